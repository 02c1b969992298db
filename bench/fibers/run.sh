#!/usr/bin/env bash
# The fiber executor's memory (issue 23): golo-host running FEW (default
# 10,000) and MANY (default 100,000) paced users of `noop` (a fiber plugin:
# GOLO_EXECUTOR_FIBERS), pacing 1s, BENCH_SECONDS (default 5 s), a fresh
# host per run; VmHWM of the worker at the end, and the KiB per added user
# between the two. Beside it, FEW users of `thread_think` (10 ms of think
# time through host->sleep, no executor field: one thread per user).
# Iterations must be exact: users x seconds. Target: <= 10 KiB per added
# fiber user.
#
#   bench/fibers/run.sh   (GOLO_BUILD_DIR: default build/release)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-5}
few=${BENCH_FEW:-10000}
many=${BENCH_MANY:-100000}
test_plugins=$build/test-plugins
need "$golo_host" "$golo_cli" "$plugins_out/noop.so"

run_one() { # run_one JOB USERS
  local key="$1@$2" hwm
  start_host "fib-$RANDOM" "$1"
  write_schedule "$work/s.yaml" "$1" "$2" 1s "${seconds}s"
  "$golo_cli" run "$work/s.yaml" --host "$host_addr" --out "$work/r.json" --quiet >/dev/null || true
  hwm=$(vm_kib "$host_pid" VmHWM)
  stop_pid "$host_main_pid"
  sample "$key" hwm "$hwm"
  sample "$key" iterations "$(jq -r .total.iterations "$work/r.json")"
  echo "  $key: VmHWM $hwm KiB, $(jq -r .total.iterations "$work/r.json") iterations (want $(($2 * seconds))), errors $(jq -r .total.errors "$work/r.json")" >&2
}

# start_host copies plugins from $plugins_out: one of our own with both.
mkdir -p "$work/plugins"
cp "$plugins_out/noop.so" "$work/plugins/"
threads=0
if [[ -f $test_plugins/thread_think.so ]]; then
  cp "$test_plugins/thread_think.so" "$work/plugins/" && threads=1
fi
plugins_out=$work/plugins
for r in $(seq "$reps"); do
  run_one noop "$few"
  run_one noop "$many"
  ((threads)) && run_one thread_think "$few"
done

echo
machine_line
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| load | users | VmHWM KiB | iterations |"
echo "|---|---|---|---|"
for key in "noop@$few" "noop@$many" "thread_think@$few"; do
  [[ $(med "$key" hwm) == nan ]] && continue
  echo "| ${key%@*} | ${key#*@} | $(med "$key" hwm) | $(med "$key" iterations) |"
done
per=$(awk -v a="$(med "noop@$few" hwm)" -v b="$(med "noop@$many" hwm)" -v n="$((many - few))" 'BEGIN { printf "%.2f", (b - a) / n }')
echo
echo "Fiber users: $per KiB per added user (VmHWM, $few to $many users)."
