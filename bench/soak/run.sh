#!/usr/bin/env bash
# The end of a run (issue 22, item 5): `abi_tour`, 20 users, pacing 1 ms (not
# 0, to leave the shared machine some CPU), `tags: [user, even]` (40 sets),
# BENCH_SECONDS (default 90 s), one fresh golo-host per repetition, results
# to a JSON file. Samples the CLI's and the worker's VmRSS every 0.5 s and
# reports, for each: the median while running (the middle half of the run),
# the peak (the CLI's VmHWM read as it exits, the worker's after the run),
# and the worker's VmRSS 1 s after the run (what an idle worker keeps).
# Targets: the CLI's peak within 2x its running size; the idle worker back
# near its size before the run.
#
#   bench/soak/run.sh   (GOLO_BUILD_DIR: default build/release; BENCH_OUT:
#                        another --out, e.g. html=FILE, besides the JSON)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-90}
need "$golo_host" "$golo_cli" "$plugins_out/abi_tour.so"

# watch_pid PID FILE: polls PID's VmRSS and VmHWM until it exits; writes
# "time rss" lines to FILE and leaves the last VmHWM seen in FILE.hwm.
watch_pid() {
  local pid=$1 file=$2 t0 rss hwm
  t0=$(date +%s.%N)
  : >"$file"
  while [[ -r /proc/$pid/status ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do
    rss=$(vm_kib "$pid" VmRSS 2>/dev/null || true)
    hwm=$(vm_kib "$pid" VmHWM 2>/dev/null || true)
    [[ -n $rss ]] || break
    echo "$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { print a - b }') $rss" >>"$file"
    [[ -z $hwm ]] || echo "$hwm" >"$file.hwm" # empty: it exited meanwhile
    sleep 0.05
  done
}

# The median VmRSS over the middle half of the run's samples.
running_rss() {
  awk -v s="$seconds" '$1 >= s * 0.25 && $1 <= s * 0.75 { print $2 }' "$1" | median
}

run_one() {
  local name="soak-$RANDOM" extra=()
  start_host "$name" abi_tour
  write_schedule "$work/s.yaml" abi_tour 20 1ms "${seconds}s"
  echo "  tags: [user, even]" >>"$work/s.yaml"
  [[ -z ${BENCH_OUT:-} ]] || extra=(--out "$BENCH_OUT")
  local before
  before=$(vm_kib "$host_pid" VmRSS)
  "$golo_cli" run "$work/s.yaml" --host "$host_addr" --out "json=$work/r.json" \
    "${extra[@]}" --quiet >/dev/null &
  local cli=$!
  watch_pid "$cli" "$work/cli.rss" &
  local w1=$!
  watch_pid "$host_pid" "$work/worker.rss" &
  local w2=$!
  wait "$cli" || true
  wait "$w1"
  sleep 1 # the worker frees the run's memory once its results are sent
  local whwm idle
  whwm=$(vm_kib "$host_pid" VmHWM)
  idle=$(vm_kib "$host_pid" VmRSS)
  stop_pid "$host_main_pid"
  wait "$w2" || true
  local crun cpeak wrun
  crun=$(running_rss "$work/cli.rss")
  cpeak=$(cat "$work/cli.rss.hwm")
  wrun=$(running_rss "$work/worker.rss")
  sample soak cli_run "$crun"; sample soak cli_peak "$cpeak"
  sample soak worker_before "$before"; sample soak worker_run "$wrun"
  sample soak worker_peak "$whwm"; sample soak worker_idle "$idle"
  sample soak json "$(stat -c %s "$work/r.json")"
  sample soak iterations "$(jq -r .total.iterations "$work/r.json")"
  echo "  CLI running $crun KiB, peak $cpeak KiB; worker before $before, running $wrun, peak $whwm, idle after $idle KiB" >&2
}

for _ in $(seq "$reps"); do run_one; done

mb() { awk -v x="$(med soak "$1")" 'BEGIN { printf "%.1f MB", x / 1024 }'; }
machine_line
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "${seconds} s, $(fmt0 "$(med soak iterations)") iterations, results JSON $(awk -v x="$(med soak json)" 'BEGIN { printf "%.1f MB", x / 1048576 }')"
echo
echo "| | before the run | while running (median) | peak | peak / running | after the run |"
echo "|---|---|---|---|---|---|"
echo "| CLI | - | $(mb cli_run) | $(mb cli_peak) | $(ratio "$(med soak cli_peak)" "$(med soak cli_run)") | - |"
echo "| worker | $(mb worker_before) | $(mb worker_run) | $(mb worker_peak) | $(ratio "$(med soak worker_peak)" "$(med soak worker_run)") | $(mb worker_idle) |"
