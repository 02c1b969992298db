#!/usr/bin/env bash
# Tag cardinality (issue 22): the tag_values test plugin (name = v0 ... vN-1
# by iteration, nothing else) back to back (pacing 0) for BENCH_SECONDS
# (default 5 s), at 1, 100 and 1,000 distinct values and 8, 50 and 1,000
# users, a fresh golo-host per run. Reports the worker's VmHWM (read at the
# end of the run, the host still up), its VmRSS once the run is over (what
# an idle worker keeps), iterations per second, and the results JSON's size.
# Targets: 1,000 values at 1,000 users under 256 MB of worker VmHWM;
# it/s with 1,000 values >= 0.8 of it/s with 1 value (same users).
#
#   bench/cardinality/run.sh   (GOLO_BUILD_DIR: default build/release;
#                               BENCH_VALUES, BENCH_USERS: the levels)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-5}
values_levels=${BENCH_VALUES:-"1 100 1000"}
users_levels=${BENCH_USERS:-"8 50 1000"}
plugin=${BENCH_PLUGIN:-$build/test-plugins/tag_values.so}
need "$golo_host" "$golo_cli" "$plugin"

run_one() { # run_one VALUES USERS
  local key="v$1@u$2" name="card-$RANDOM"
  mkdir -p "$work/$name"
  cp "$plugin" "$work/$name/"
  echo "values = $1" >"$work/$name/tag_values.conf"
  start_host "$name"
  write_schedule "$work/s.yaml" tag_values "$2" 0 "${seconds}s"
  echo "  tags: [name]" >>"$work/s.yaml"
  "$golo_cli" run "$work/s.yaml" --host "$host_addr" --out "$work/r.json" --quiet >/dev/null || true
  sleep 0.5 # the worker frees the run's memory once its results are sent
  local hwm idle rate bytes
  hwm=$(vm_kib "$host_pid" VmHWM)
  idle=$(vm_kib "$host_pid" VmRSS)
  stop_pid "$host_main_pid"
  rate=$(jq -r .total.rate "$work/r.json")
  bytes=$(stat -c %s "$work/r.json")
  sample "$key" hwm "$hwm"; sample "$key" idle "$idle"
  sample "$key" rate "$rate"; sample "$key" json "$bytes"
  echo "  $key: VmHWM $hwm KiB, idle after $idle KiB, $(fmt0 "$rate") it/s, results $bytes bytes" >&2
}

for r in $(seq "$reps"); do
  for u in $users_levels; do
    for v in $values_levels; do run_one "$v" "$u"; done
  done
done

machine_line
echo
echo "| users | values | worker VmHWM | idle after | iterations/s | vs 1 value | results JSON |"
echo "|---|---|---|---|---|---|---|"
for u in $users_levels; do
  base=$(med "v1@u$u" rate)
  for v in $values_levels; do
    k="v$v@u$u"
    echo "| $u | $v | $(fmt0 "$(awk -v x="$(med "$k" hwm)" 'BEGIN { print x / 1024 }')") MB | $(fmt0 "$(awk -v x="$(med "$k" idle)" 'BEGIN { print x / 1024 }')") MB | $(fmt0 "$(med "$k" rate)") | $(ratio "$(med "$k" rate)" "$base") | $(fmt0 "$(awk -v x="$(med "$k" json)" 'BEGIN { print x / 1024 }')") KiB |"
  done
done
