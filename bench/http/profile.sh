#!/usr/bin/env bash
# Where golo-host's CPU goes while http_get loads nginx: BENCH_USERS (default
# 50) users back to back for BENCH_SECONDS (default 5 s), sampled with
# `perf record -e cpu-clock` (a software clock, for VMs without hardware
# counters). Prints the share per library ([kernel.kallsyms] is the kernel)
# and the top functions by self time. BENCH_CLIENT=curl profiles the libcurl
# path instead; BENCH_JOB=golo_http the plain-C plugin of `golo new --http`
# on the host's client (host->http), BENCH_JOB=golo_https the same over TLS.
#
#   bench/http/profile.sh    (GOLO_BUILD_DIR: default build/release)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-5}
users=${BENCH_USERS:-50}
top=${BENCH_TOP:-20}
need "$golo_host" "$golo_cli" "$plugins_out/http_get.so"
command -v perf >/dev/null || { echo "bench/http/profile.sh: needs perf (scripts/install-deps.sh)" >&2; exit 2; }

job=${BENCH_JOB:-http_get}
NGINX_TLS=1 start_nginx 4096
[[ ${BENCH_CLIENT:-} = curl ]] && echo "client = curl" >>"$work/http_get.conf"
base=()
if [[ $job != http_get ]]; then
  build_golo_http_plugins
  base=(-e "BASE_URL=$nginx_url")
  [[ $job = golo_https ]] && base=(-e "BASE_URL=$nginx_tls_url")
fi
start_host golo http_get
profile_run "$job" "$users" "$seconds" "${base[@]}"
echo "perf, cpu-clock, $job${BENCH_CLIENT:+ (client = $BENCH_CLIENT)}, $users users, $(jq -r .total.rate "$work/r.json") req/s during the run"
echo "self time per library:"
perf_top dso 12
echo "top functions:"
perf_top dso,symbol "$top"
