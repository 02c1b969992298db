#!/usr/bin/env bash
# From a worker's death to the first call served again by the next worker:
# a plugin that segfaults in golo_trigger (a new version each round, since a
# crashed one is quarantined), `kill -SEGV` of the worker (a crash outside
# any plugin; every round waits until the worker is 10 s old, so the
# supervisor's back-off for workers that keep dying young never starts), a
# plugin's own thread calling _exit, and a worker made deaf (replaced by the
# liveness probe after 5 s). Prints a Markdown table.
#
#   bench/supervisor/run.sh    (GOLO_BUILD_DIR: default build/release)
#   BENCH_CRASH_ROUNDS (default 20), BENCH_KILL_ROUNDS (default 6),
#   BENCH_DEAF_ROUNDS (default 3)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
bin=$build/bench/supervisor/bench_supervisor
need "$bin"
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d), shared with other work."
echo
echo "| worker dies of | rounds | median ms | p90 ms | max ms | failed attempts (1 ms apart) | errors |"
echo "|---|---|---|---|---|---|---|"
status=0
for mode in plugin kill thread deaf; do
  rounds=${BENCH_CRASH_ROUNDS:-20}
  what="a plugin's SIGSEGV in golo_trigger"
  case $mode in
    kill) rounds=${BENCH_KILL_ROUNDS:-6}; what="kill -SEGV (outside any plugin)" ;;
    thread) what="_exit on a plugin's own thread, after its call" ;;
    deaf) rounds=${BENCH_DEAF_ROUNDS:-3}; what="a deaf worker (RLIMIT_NOFILE 0), from the trigger" ;;
  esac
  line=$("$bin" --mode "$mode" --rounds "$rounds") || status=1
  [[ -n $line ]] || { echo "bench_supervisor --mode $mode failed" >&2; status=1; continue; }
  echo "  $line" >&2
  echo "| $what | $(field "$line" rounds) | $(field "$line" median_ms) | $(field "$line" p90_ms) | $(field "$line" max_ms) | $(field "$line" failed_attempts) | $(field "$line" errors) |"
done
exit $status
