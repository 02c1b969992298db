#!/usr/bin/env bash
# What one host->http request costs golo-host's worker, in system calls and
# heap allocations: the plain-C plugin of `golo new --http` (golo_http)
# against nginx (one worker, 100-byte page), BENCH_USERS users (default 50)
# back to back for BENCH_SECONDS (default 4), over plain http:// (the
# host's HTTP/1.1 fast path) and https:// (curl, kept alive). System calls
# from `strace -c -f -p WORKER` over the run; allocations from an
# LD_PRELOAD counter (malloc_count.c) read before and after; both divided
# by the requests the run made. strace slows the run: the counts per
# request are what it is for, not the rate.
#
#   bench/http/cost.sh      (GOLO_BUILD_DIR: default build/release)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-4}
users=${BENCH_USERS:-50}
need "$golo_host" "$golo_cli"
command -v strace >/dev/null || { echo "bench/http/cost.sh: needs strace (scripts/install-deps.sh)" >&2; exit 2; }

NGINX_TLS=1 start_nginx 4096
head -c 99 /dev/zero | tr '\0' x >"$work/nginx/www/index.html"
echo >>"$work/nginx/www/index.html"
cc -O2 -shared -fPIC -o "$work/malloc_count.so" "$bench_root/bench/http/malloc_count.c" -lpthread
mkdir -p "$work/golo"
(cd "$work" && "$golo_cli" new golo_http --http "$nginx_url" >/dev/null &&
  make -s -C golo_http GOLO_INCLUDE="$bench_root/plugin-api/include" \
    install PLUGINS="$work/golo" >/dev/null)
cp "$work/golo/golo_http.so" "$work/golo/golo_https.so"
echo "http_ca_file = $work/certs/ca.pem" >"$work/golo/golo_https.conf"
GOLO_MALLOC_COUNT="$work/allocs" LD_PRELOAD="$work/malloc_count.so" start_host golo
sleep 0.5

allocs() { cat "$work/allocs.$host_pid" 2>/dev/null || echo "0 0 0"; }
cost() { # cost JOB URL
  write_schedule "$work/s.yaml" "$1" "$users" 0 "${seconds}s"
  local a0 a1 n
  a0=$(allocs)
  strace -c -f -q -p "$host_pid" -o "$work/strace.$1" &
  local tracer=$!
  sleep 0.5
  "$golo_cli" run "$work/s.yaml" --host "$host_addr" --out "$work/r.json" --quiet -e "BASE_URL=$2" >/dev/null || true
  kill -INT "$tracer" 2>/dev/null || true
  wait "$tracer" 2>/dev/null || true
  sleep 0.3
  a1=$(allocs)
  n=$(jq -r .total.iterations "$work/r.json")
  echo "$1: $n requests ($(jq -r .total.errors "$work/r.json") errors), per request:"
  # strace -c: "% time seconds usecs/call calls [errors] syscall"
  awk -v n="$n" '$1 ~ /^[0-9.]+$/ && $NF != "total" { printf "  %-16s %.2f\n", $NF, $4 / n }' "$work/strace.$1" |
    sort -k2 -nr | head -8
  echo "$a0 $a1" | awk -v n="$n" '{ printf "  heap: %.2f malloc, %.2f calloc, %.2f realloc\n", ($4 - $1) / n, ($5 - $2) / n, ($6 - $3) / n }'
}
cost golo_http "$nginx_url"
cost golo_https "$nginx_tls_url"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
