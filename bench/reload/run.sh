#!/bin/sh
# Reload-to-first-new-call latency of golo-host, with and without background
# load, through each reload trigger. Prints a Markdown table for
# bench/README.md.
#
#   bench/reload/run.sh [BUILD_DIR] [RELOADS]   (defaults: build-reload, 50)
#
# Build first: cmake --build BUILD_DIR --target bench_reload
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build-reload}
reloads=${2:-50}
bin=$build/bench/reload/bench_reload
[ -x "$bin" ] || { echo "run.sh: $bin not built (cmake --build $build --target bench_reload)" >&2; exit 2; }

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

echo "| trigger | background load | reloads | median ms | p90 ms | max ms | command ms (median) | load calls/s | failed calls |"
echo "|---|---|---|---|---|---|---|---|---|"
status=0
for trigger in rpc cli sighup watch; do
  for threads in 0 4; do
    if ! line=$("$bin" --trigger "$trigger" --reloads "$reloads" --load-threads "$threads"); then
      status=1
    fi
    [ -n "$line" ] || { echo "run.sh: bench_reload --trigger $trigger failed" >&2; status=1; continue; }
    load=none; [ "$threads" = 0 ] || load="$threads threads"
    rate=-; [ "$threads" = 0 ] || rate=$(field "$line" load_calls_per_s)
    echo "| $trigger | $load | $(field "$line" reloads) | $(field "$line" median_ms) | $(field "$line" p90_ms) | $(field "$line" max_ms) | $(field "$line" command_median_ms) | $rate | $(field "$line" load_failed) |"
  done
done
exit $status
