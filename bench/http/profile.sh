#!/usr/bin/env bash
# Where golo-host's CPU goes while http_get loads nginx: BENCH_USERS (default
# 50) users back to back for BENCH_SECONDS (default 5 s), sampled with
# `perf record -e cpu-clock` (a software clock, for VMs without hardware
# counters). Prints the share per library ([kernel.kallsyms] is the kernel)
# and the top functions by self time. BENCH_CLIENT=curl profiles the libcurl
# path instead.
#
#   bench/http/profile.sh    (GOLO_BUILD_DIR: default build/release)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-5}
users=${BENCH_USERS:-50}
top=${BENCH_TOP:-20}
need "$golo_host" "$golo_cli" "$plugins_out/http_get.so"
command -v perf >/dev/null || { echo "bench/http/profile.sh: needs perf (scripts/install-deps.sh)" >&2; exit 2; }

start_nginx 4096
[[ ${BENCH_CLIENT:-} = curl ]] && echo "client = curl" >>"$work/http_get.conf"
start_host golo http_get
write_schedule "$work/s.yaml" http_get "$users" 0 "${seconds}s"
"$golo_cli" run "$work/s.yaml" --host "$host_addr" --out "$work/r.json" --quiet >/dev/null &
run=$!
sleep 0.5
perf record -e cpu-clock -F 2000 -g -p "$host_pid" -o "$work/perf.data" -- sleep $((seconds - 1)) >/dev/null 2>&1
wait "$run"
echo "perf, cpu-clock, http_get${BENCH_CLIENT:+ (client = $BENCH_CLIENT)}, $users users, $(jq -r .total.rate "$work/r.json") req/s during the run"
echo "self time per library:"
perf report -i "$work/perf.data" --no-children --sort dso --stdio 2>/dev/null |
  grep -E '^ +[0-9.]+%' | head -12 || true
echo "top functions:"
perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
  grep -E '^ +[0-9.]+%' | sed -E 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//' | head -"$top" || true
