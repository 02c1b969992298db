#!/usr/bin/env bash
# Resident memory of golo-host running 10 and 10,000 users of noop and of
# http_get (against nginx), pacing 1s, and the cost per added user; beside
# `hey -c 10 / -c 10000 -q 1` on the same URL for reference (hey's -q is per
# worker, so both send about one request per user per second). Each golo run
# gets a fresh golo-host; VmHWM is read at the end of the run (the host stays
# up), VmRSS is the largest sampled during it. BENCH_REPS repetitions
# (default 3) of BENCH_SECONDS (default 6 s), alternating golo and hey.
# Target: <= 32 KiB per added user for noop, below hey's for http_get.
#
#   bench/memory/run.sh   (GOLO_BUILD_DIR: default build/release)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-6}
few=${BENCH_FEW:-10}
many=${BENCH_MANY:-10000}
need "$golo_host" "$golo_cli" "$plugins_out/noop.so" "$plugins_out/http_get.so"
command -v hey >/dev/null || { echo "bench/memory: needs hey (scripts/install-deps.sh)" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# each process (golo-host, hey, nginx) holds one socket per user
(($(ulimit -n) >= many + 500)) || { echo "bench/memory: ulimit -n is $(ulimit -n); $many users need $((many + 500))" >&2; exit 2; }

# twice the users: nginx drops idle keep-alive connections when it runs out
start_nginx $((many * 2))

# watch PID: the largest VmRSS seen while it runs, and its last VmHWM
watch_mem() {
  local pid=$1 rss h max=0 hwm=0
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(vm_kib "$pid" VmRSS 2>/dev/null || true)
    h=$(vm_kib "$pid" VmHWM 2>/dev/null || true)
    [[ -n $h ]] && hwm=$h # empty once the process is a zombie
    ((${rss:-0} > max)) && max=$rss
    echo "$max ${hwm:-0}" >"$work/mem.$pid"
    sleep 0.25
  done
}

run_golo() { # run_golo JOB USERS
  local key="golo-$1@$2" idle wpid errors
  start_host "mem-$RANDOM" "$1"
  idle=$(vm_kib "$host_pid" VmRSS)
  write_schedule "$work/s.yaml" "$1" "$2" 1s "${seconds}s"
  watch_mem "$host_pid" &
  wpid=$!
  "$golo_cli" run "$work/s.yaml" --host "$host_addr" --out "$work/r.json" --quiet >/dev/null || true
  local hwm rss
  hwm=$(vm_kib "$host_pid" VmHWM)
  rss=$(cut -d' ' -f1 "$work/mem.$host_pid")
  stop_pid "$host_main_pid"
  wait "$wpid" 2>/dev/null || true
  errors=$(jq -r .total.errors "$work/r.json")
  sample "$key" hwm "$hwm"; sample "$key" rss "$rss"; sample "$key" idle "$idle"
  sample "$key" rate "$(jq -r .total.rate "$work/r.json")"
  echo "  $key: idle $idle KiB, VmRSS max $rss KiB, VmHWM $hwm KiB, $(jq -r .total.rate "$work/r.json") it/s, errors $errors $(jq -r '.total.error_samples[0].text // ""' "$work/r.json")" >&2
  sample "$key" errors "$errors"
}
run_hey() { # run_hey USERS
  local key="hey@$1" pid wpid
  hey -c "$1" -q 1 -z "${seconds}s" -t 20 "$nginx_url" >"$work/hey.out" 2>&1 &
  pid=$!
  watch_mem "$pid" &
  wpid=$!
  wait "$pid" || true
  wait "$wpid" 2>/dev/null || true
  local rss hwm
  read -r rss hwm <"$work/mem.$pid"
  sample "$key" hwm "$hwm"; sample "$key" rss "$rss"
  sample "$key" rate "$(awk '/Requests\/sec:/ { print $2 }' "$work/hey.out")"
  sample "$key" errors "$(awk '/^Error distribution/ { on = 1; next } on && /\[[0-9]+\]/ { gsub(/[][]/, "", $1); n += $1 } END { print n + 0 }' "$work/hey.out")"
  grep -A3 '^Error distribution' "$work/hey.out" | head -4 >&2 || true
  echo "  $key: VmRSS max $rss KiB, VmHWM (last seen) $hwm KiB, $(awk '/Requests\/sec:/ { print $2 }' "$work/hey.out") req/s" >&2
}

for r in $(seq "$reps"); do
  for n in "$few" "$many"; do
    if ((r % 2)); then run_golo noop "$n"; run_golo http_get "$n"; run_hey "$n"
    else run_hey "$n"; run_golo http_get "$n"; run_golo noop "$n"; fi
  done
done

per_user() { awk -v a="$(med "$1@$few" "$2")" -v b="$(med "$1@$many" "$2")" -v f="$few" -v m="$many" 'BEGIN { printf "%.1f\n", (b - a) / (m - f) }'; }
machine_line
echo
echo "| load | idle host KiB | $few users VmHWM KiB | $many users VmHWM KiB | $many users VmRSS KiB | KiB per added user (VmHWM) | rate at $many users /s | errors at $many users |"
echo "|---|---|---|---|---|---|---|---|"
for k in golo-noop golo-http_get hey; do
  case $k in
    golo-noop) name="golo noop, pacing 1s" ;;
    golo-http_get) name="golo http_get, pacing 1s" ;;
    hey) name="hey -c N -q 1" ;;
  esac
  idle=-; [[ $k = hey ]] || idle=$(fmt0 "$(med "$k@$few" idle)")
  echo "| $name | $idle | $(fmt0 "$(med "$k@$few" hwm)") | $(fmt0 "$(med "$k@$many" hwm)") | $(fmt0 "$(med "$k@$many" rss)") | $(per_user "$k" hwm) | $(fmt0 "$(med "$k@$many" rate)") | $(fmt0 "$(med "$k@$many" errors)") |"
done
n=$(per_user golo-noop hwm) g=$(per_user golo-http_get hwm) h=$(per_user hey hwm)
echo
echo "Target noop <= 32 KiB per added user: $n -> $(awk -v n="$n" 'BEGIN { print (n <= 32 ? "met" : "not met") }'); http_get below hey's ($h): $g -> $(awk -v g="$g" -v h="$h" 'BEGIN { print (g < h ? "met" : "not met") }')."
