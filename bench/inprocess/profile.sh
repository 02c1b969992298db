#!/usr/bin/env bash
# Where the time goes in the in-process fast path: golo-host running noop
# back to back (BENCH_USERS, default 2) for BENCH_SECONDS (default 4 s),
# sampled with `perf record -e cpu-clock` (a software clock: works where the
# hardware counters are not exposed), or, without perf, counted with
# `valgrind --tool=callgrind` over a shorter run. Prints the top functions
# by self time.
#
#   bench/inprocess/profile.sh    (GOLO_BUILD_DIR: default build/release)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-4}
users=${BENCH_USERS:-2}
top=${BENCH_TOP:-25}
need "$golo_host" "$golo_cli" "$plugins_out/noop.so"

if command -v perf >/dev/null && perf record -e cpu-clock -o "$work/probe.data" -- true >/dev/null 2>&1; then
  start_host golo noop
  profile_run noop "$users" "$seconds"
  echo "perf, cpu-clock, $users users, $(jq -r .total.rate "$work/r.json") it/s during the run; self time:"
  perf_top symbol "$top"
else
  mkdir -p "$work/cg"
  cp "$plugins_out/noop.so" "$work/cg/"
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
    "$golo_host" --listen 127.0.0.1:0 --plugins "$work/cg" --log-level warn >"$work/cg.port" 2>"$work/cg.log" &
  vg=$!
  bench_pids+=("$vg")
  for _ in $(seq 600); do grep -q "listening on port" "$work/cg.port" 2>/dev/null && break; sleep 0.1; done
  write_schedule "$work/s.yaml" noop "$users" 0 "${seconds}s"
  "$golo_cli" run "$work/s.yaml" --host "127.0.0.1:$(sed -n 's/listening on port //p' "$work/cg.port")" --out "$work/r.json" --quiet >/dev/null
  kill -TERM "$vg"
  wait "$vg" || true
  echo "callgrind, $users users, $(jq -r .total.iterations "$work/r.json") iterations; self instructions:"
  callgrind_annotate "$work/cg.out" 2>/dev/null | sed -n '/^Ir/,$p' | head -$((top + 3)) || true
fi
