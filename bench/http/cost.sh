#!/usr/bin/env bash
# What one host->http request costs golo-host's worker, in system calls and
# heap allocations: the plain-C plugin of `golo new --http` (golo_http)
# against nginx (one worker, 100-byte page), BENCH_USERS users (default 50)
# back to back, over plain http:// (the host's HTTP/1.1 fast path) and
# https:// (the same fast path over OpenSSL, kept alive); beside them http_get (its own client inside
# the plugin), which shows what the host costs around any iteration. System
# calls from `strace -c -f -p WORKER`, allocations from an LD_PRELOAD
# counter (malloc_count.c), each per request of the difference between a
# BENCH_SECONDS run (default 6) and a BENCH_SHORT one (default 2), so what
# every run costs once (threads, first connections) cancels out; the
# allocations are read during the run, so the results the worker builds at
# its end (larger for a longer run) are not counted as requests'. strace
# slows the run several times over, so allocations are counted in runs of
# their own without it: what the worker does once a second (the harvest of
# the second's counters, progress to the CLI) is spread over the requests
# of a second at full speed, as in any real run. (Before 2026-12-07 both
# were counted in the traced runs, end included: the 3.6-5.1 mallocs "per
# request" then were per-second and end-of-run work over strace's few
# requests; bench/README.md.)
#
#   bench/http/cost.sh      (GOLO_BUILD_DIR: default build/release)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
short=${BENCH_SHORT:-2}
long=${BENCH_SECONDS:-6}
users=${BENCH_USERS:-50}
need "$golo_host" "$golo_cli" "$plugins_out/http_get.so"
command -v strace >/dev/null || { echo "bench/http/cost.sh: needs strace (scripts/install-deps.sh)" >&2; exit 2; }

NGINX_TLS=1 start_nginx 4096
head -c 99 /dev/zero | tr '\0' x >"$work/nginx/www/index.html"
echo >>"$work/nginx/www/index.html"
cc -O2 -shared -fPIC -o "$work/malloc_count.so" "$bench_root/bench/http/malloc_count.c" -lpthread
build_golo_http_plugins
GOLO_MALLOC_COUNT="$work/allocs" LD_PRELOAD="$work/malloc_count.so" start_host golo http_get
sleep 0.5

allocs() { cat "$work/allocs.$host_pid" 2>/dev/null || echo "0 0 0"; }
# measure JOB URL SECONDS [trace]: one run; leaves "REQUESTS MALLOC CALLOC
# REALLOC" in $work/m (the allocations from 0.7 s into the run to 0.3 s
# before its end: not the results built at its end, whose size grows with
# the histograms' spread) and, traced, the strace -c table in $work/calls.
measure() {
  write_schedule "$work/s.yaml" "$1" "$users" 0 "${3}s"
  local a0 a1 tracer= run
  sleep 0.3
  if [[ ${4:-} = trace ]]; then
    strace -c -f -q -p "$host_pid" -o "$work/strace" 2>/dev/null &
    tracer=$!
    sleep 0.5
  fi
  "$golo_cli" run "$work/s.yaml" --host "$host_addr" --out "$work/r.json" --quiet -e "BASE_URL=$2" >/dev/null &
  run=$!
  sleep 0.7
  a0=$(allocs)
  sleep "$(awk -v d="$3" 'BEGIN { print d - 1 }')"
  a1=$(allocs)
  wait "$run" || true
  if [[ -n $tracer ]]; then
    kill -INT "$tracer" 2>/dev/null || true
    wait "$tracer" 2>/dev/null || true
    # strace -c: "% time seconds usecs/call calls [errors] syscall"
    awk '$1 ~ /^[0-9.]+$/ && $NF != "total" { print $NF, $4 }' "$work/strace" | sort >"$work/calls"
  fi
  echo "$(jq -r .total.iterations "$work/r.json") $a0 $a1" |
    awk '{ print $1, $5 - $2, $6 - $3, $7 - $4 }' >"$work/m"
}
# diff_requests A B: the requests of B minus those of A (measure's lines).
diff_requests() { awk 'NR == FNR { s = $1; next } { print $1 - s }' "$1" "$2"; }
# cost JOB URL: a short and a long run, untraced then traced; their
# difference per request is the steady state (a run's own start and end,
# the users' threads and first connections, cancel out).
cost() {
  measure "$1" "$2" "$short"
  cp "$work/m" "$work/m.short"
  measure "$1" "$2" "$long"
  local n
  n=$(diff_requests "$work/m.short" "$work/m")
  echo "$1: $(awk '{ print $1 }' "$work/m") and $(awk '{ print $1 }' "$work/m.short") requests (${long}s, ${short}s runs); per request of the difference:"
  paste "$work/m.short" "$work/m" | awk -v n="$n" '{ printf "  heap: %.2f malloc, %.2f calloc, %.2f realloc\n", ($6 - $2) / n, ($7 - $3) / n, ($8 - $4) / n }'
  measure "$1" "$2" "$short" trace
  cp "$work/m" "$work/m.short"
  cp "$work/calls" "$work/calls.short"
  measure "$1" "$2" "$long" trace
  n=$(diff_requests "$work/m.short" "$work/m")
  echo "  system calls (traced: $(awk '{ print $1 }' "$work/m") and $(awk '{ print $1 }' "$work/m.short") requests):"
  join -a2 -e0 -o 0,1.2,2.2 "$work/calls.short" "$work/calls" |
    awk -v n="$n" '{ v = ($3 - $2) / n; if (v >= 0.01) printf "  %-16s %.2f\n", $1, v }' | sort -k2 -nr | head -8
}
# wrk's system calls per request on the same nginx, for the side by side
# (wrk -t1, the users' connections, a long and a short run as above).
wrk_calls() { # wrk_calls SECONDS: leaves "REQUESTS" in $work/m, the table in $work/calls
  strace -c -f -q -o "$work/strace" wrk -t1 -c"$users" -d"${1}s" "$nginx_url" >"$work/wrk.out"
  awk '/requests in/ { print $1 }' "$work/wrk.out" >"$work/m"
  awk '$1 ~ /^[0-9.]+$/ && $NF != "total" { print $NF, $4 }' "$work/strace" | sort >"$work/calls"
}
cost_wrk() {
  wrk_calls "$short"
  cp "$work/m" "$work/m.short"
  cp "$work/calls" "$work/calls.short"
  wrk_calls "$long"
  local n
  n=$(diff_requests "$work/m.short" "$work/m")
  echo "wrk: system calls (traced: $(cat "$work/m") and $(cat "$work/m.short") requests):"
  join -a2 -e0 -o 0,1.2,2.2 "$work/calls.short" "$work/calls" |
    awk -v n="$n" '{ v = ($3 - $2) / n; if (v >= 0.01) printf "  %-16s %.2f\n", $1, v }' | sort -k2 -nr | head -8
}
# The baseline: http_get's own client, no host->http (what a request costs
# the host around the plugin: the iteration, its recording). BENCH_ONLY:
# a subset of http_get golo_http golo_https golo_fibers wrk.
for job in ${BENCH_ONLY:-http_get golo_http golo_https}; do
  case $job in
    wrk) cost_wrk ;;
    *https*) cost "$job" "$nginx_tls_url" ;;
    *) cost "$job" "$nginx_url" ;;
  esac
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
