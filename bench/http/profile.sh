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
profile_run http_get "$users" "$seconds"
echo "perf, cpu-clock, http_get${BENCH_CLIENT:+ (client = $BENCH_CLIENT)}, $users users, $(jq -r .total.rate "$work/r.json") req/s during the run"
echo "self time per library:"
perf_top dso 12
echo "top functions:"
perf_top dso,symbol "$top"
