#!/usr/bin/env bash
# http_get in-process against nginx (one worker, no access log, keep-alive)
# at 50 users back to back, beside `wrk -t1 -c50` and `hey -c 50 -z` on the
# same URL, and beside http_get with `client = curl` (libcurl's easy API, as
# it serves https://), in rotating order, BENCH_REPS repetitions of BENCH_SECONDS (3
# and 5 s). Load-generator CPU is user+sys: golo-host's from /proc/PID/stat
# around the run, wrk's and hey's from /usr/bin/time. Target: golo >= 60% of
# wrk's requests per CPU-second, and ahead of hey's. And beside them
# golo_http: the plain-C plugin `golo new --http` writes, on the host's
# HTTP client (ABI 1.2 host->http, every phase recorded as a step), which
# should be at least as efficient as http_get (plain http:// takes the
# host's HTTP/1.1 fast path). And golo_https: the same plugin against the
# same nginx over TLS (the fast path on OpenSSL, kept-alive connections, so
# one handshake per user), aimed at >= 0.5 of golo_http's requests per
# CPU-second. And golo_fibers: the same plugin declaring
# GOLO_EXECUTOR_FIBERS, its users as fibers on the host's loops, each
# request parked on the loop's epoll (issue 23); golo_https_fibers, the
# same over TLS. And golo_h2 / golo_h2_fibers: the same TLS plugin with
# http2 = true (libcurl: easy handles blocking on threads, each fiber user's
# multi handle parked on the loop). The page is 100 bytes.
#
#   bench/http/run.sh     (GOLO_BUILD_DIR: default build/release)
#   BENCH_REPS=5 BENCH_SECONDS=10 bench/http/run.sh   (the issue's figures)
#   BENCH_ONLY="golo_http golo" BENCH_REPS=9 bench/http/run.sh   (issue 21's
#     ratio, as the median of per-repetition pairs with its spread)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-5}
users=${BENCH_USERS:-50}         # connections: golo's users, wrk's -c, hey's -c
loops=${BENCH_LOOPS:-$(nproc)}  # golo-host --loops, and wrk's -t
# BENCH_ONLY="golo_fibers wrk golo_http hey": a subset of the loads below.
need "$golo_host" "$golo_cli" "$plugins_out/http_get.so"
command -v wrk >/dev/null && command -v hey >/dev/null || { echo "bench/http: needs wrk and hey (scripts/install-deps.sh)" >&2; exit 2; }

NGINX_TLS=1 start_nginx $((users * 2 + 4096))
# Users' sockets: golo-host's worker raises its soft limit to the hard one.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
head -c 99 /dev/zero | tr '\0' x >"$work/nginx/www/index.html"
echo >>"$work/nginx/www/index.html"
# golo_fibers and golo_http: the plugin `golo new --http` writes, on fibers
# as written and on threads; golo_https(_fibers): the same over TLS.
build_golo_http_plugins
for k in golo_h2 golo_h2_fibers; do
  cp "$work/golo/golo_https${k#golo_h2}.so" "$work/golo/$k.so"
  { cat "$work/golo/golo_https.conf"; echo "http2 = true"; } >"$work/golo/$k.conf"
done
# The same plugin as a second job, http_curl, with client = curl.
cp "$plugins_out/http_get.so" "$work/golo/http_curl.so"
{ cat "$work/http_get.conf"; echo "client = curl"; } >"$work/golo/http_curl.conf"
HOST_ARGS="--loops $loops" start_host golo http_get
golo_pid=$host_pid golo_addr=$host_addr

# wrk's "123.45us" / "1.20ms" / "1.00s" in µs
to_us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1e6; else print n }'; }
record() { # record KEY REQUESTS REQ_PER_S P50_US P99_US CPU_S ERRORS
  sample "$1" rps "$3"; sample "$1" p50 "$4"; sample "$1" p99 "$5"; sample "$1" cpu "$6"
  sample "$1" per_cpu "$(awk -v n="$2" -v c="$6" 'BEGIN { printf "%.0f\n", (c > 0 ? n / c : 0) }')"
  echo "  $1: $2 requests, $3 req/s, p50 $4 µs, p99 $5 µs, cpu $6 s, errors $7" >&2
}

run_golo() { golo_job golo http_get; }
run_golo_curl() { golo_job golo_curl http_curl; }
run_golo_http() { golo_job golo_http golo_http -e "BASE_URL=$nginx_url"; }
run_golo_https() { golo_job golo_https golo_https -e "BASE_URL=$nginx_tls_url"; }
run_golo_fibers() { golo_job golo_fibers golo_fibers -e "BASE_URL=$nginx_url"; }
run_golo_https_fibers() { golo_job golo_https_fibers golo_https_fibers -e "BASE_URL=$nginx_tls_url"; }
run_golo_h2() { golo_job golo_h2 golo_h2 -e "BASE_URL=$nginx_tls_url"; }
run_golo_h2_fibers() { golo_job golo_h2_fibers golo_h2_fibers -e "BASE_URL=$nginx_tls_url"; }
golo_job() { # golo_job KEY JOB [golo run args]
  write_schedule "$work/s.yaml" "$2" "$users" 0 "${seconds}s"
  local c0 c1 key=$1
  shift 2
  c0=$(cpu_s "$golo_pid")
  "$golo_cli" run "$work/s.yaml" --host "$golo_addr" --out "$work/r.json" --quiet "$@" >/dev/null || true
  c1=$(cpu_s "$golo_pid")
  record "$key" "$(jq -r .total.iterations "$work/r.json")" "$(jq -r .total.rate "$work/r.json")" \
    "$(jq -r .total.latency_us.p50 "$work/r.json")" "$(jq -r .total.latency_us.p99 "$work/r.json")" \
    "$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" "$(jq -r .total.errors "$work/r.json")"
}
run_wrk() {
  /usr/bin/time -f "%U %S" -o "$work/time" wrk -t"$loops" -c"$users" -d"${seconds}s" --latency "$nginx_url" >"$work/wrk.out"
  local n rps p50 p99 cpu err
  n=$(awk '/requests in/ { print $1 }' "$work/wrk.out")
  rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk.out")
  p50=$(to_us "$(awk '$1 == "50%" { print $2 }' "$work/wrk.out")")
  p99=$(to_us "$(awk '$1 == "99%" { print $2 }' "$work/wrk.out")")
  cpu=$(awk '{ print $1 + $2 }' "$work/time")
  err=$(awk '/Socket errors|Non-2xx/ { print }' "$work/wrk.out" | tr '\n' ' ')
  record wrk "$n" "$rps" "$p50" "$p99" "$cpu" "${err:-0}"
}
run_hey() {
  /usr/bin/time -f "%U %S" -o "$work/time" hey -c "$users" -z "${seconds}s" "$nginx_url" >"$work/hey.out"
  local n rps p50 p99 cpu
  n=$(awk '/^  \[200\]/ { print $2 }' "$work/hey.out")
  rps=$(awk '/Requests\/sec:/ { print $2 }' "$work/hey.out")
  p50=$(awk '/50% in/ { print $3 * 1e6 }' "$work/hey.out")
  p99=$(awk '/99% in/ { print $3 * 1e6 }' "$work/hey.out")
  cpu=$(awk '{ print $1 + $2 }' "$work/time")
  record hey "${n:-0}" "$rps" "$p50" "$p99" "$cpu" "$(grep -c '^Error' "$work/hey.out" || true)"
}

order=(golo wrk hey golo_curl golo_http golo_https golo_fibers golo_https_fibers golo_h2 golo_h2_fibers)
[[ -n ${BENCH_ONLY:-} ]] && read -r -a order <<<"$BENCH_ONLY"
for r in $(seq "$reps"); do
  for i in "${!order[@]}"; do "run_${order[$(((i + r) % ${#order[@]}))]}"; done
done

machine_line
echo
echo "| load generator | req/s | p50/p99 µs | CPU-s per run | req per CPU-s | golo ÷ this (req/s) | golo ÷ this (req per CPU-s) |"
echo "|---|---|---|---|---|---|---|"
for k in "${order[@]}"; do
  case $k in
    golo_fibers) name="golo host->http on fibers (the same, GOLO_EXECUTOR_FIBERS)" ;;
    golo_https_fibers) name="golo host->http over https on fibers" ;;
    golo_h2) name="golo host->http over HTTP/2 (libcurl) on threads" ;;
    golo_h2_fibers) name="golo host->http over HTTP/2 (libcurl's multi) on fibers" ;;
    golo_https) name="golo host->http over https (OpenSSL fast path, kept alive)" ;;
    golo_http) name="golo host->http (plain C, golo new --http)" ;;
    golo) name="golo http_get, $users users, pacing 0" ;;
    golo_curl) name="golo http_get with client = curl" ;;
    wrk) name="wrk -t$loops -c$users" ;;
    hey) name="hey -c $users -z ${seconds}s" ;;
  esac
  echo "| $name | $(fmt0 "$(med $k rps)") | $(fmt0 "$(med $k p50)")/$(fmt0 "$(med $k p99)") | $(med $k cpu) | $(fmt0 "$(med $k per_cpu)") | $(ratio "$(med golo rps)" "$(med $k rps)") | $(ratio "$(med golo per_cpu)" "$(med $k per_cpu)") |"
done
# With BENCH_ONLY, only the summaries of the loads that ran.
[[ " ${order[*]} " == *" golo_fibers "* ]] &&
  echo && echo "At $users connections, req per CPU-s: golo fibers ÷ wrk -t$loops $(ratio "$(med golo_fibers per_cpu)" "$(med wrk per_cpu)") (aim: >= 0.95), ÷ golo threads $(ratio "$(med golo_fibers per_cpu)" "$(med golo_http per_cpu)"), ÷ hey $(ratio "$(med golo_fibers per_cpu)" "$(med hey per_cpu)")."
[[ " ${order[*]} " == *" golo_h2_fibers "* ]] &&
  echo && echo "HTTP/2 at $users connections, req per CPU-s: fibers ÷ threads $(ratio "$(med golo_h2_fibers per_cpu)" "$(med golo_h2 per_cpu)"); req/s: fibers ÷ threads $(ratio "$(med golo_h2_fibers rps)" "$(med golo_h2 rps)")."
# Ratios per pair: repetition k's run of A over its run of B, which ran
# within the same rotation (next to it with BENCH_ONLY="A B"), so both
# met about the same load. The median of the ratios and their spread say
# more than a ratio of medians when the machine's load moves between runs.
pair_ratios() { # pair_ratios A B: "median M (min-max, N pairs)"
  paste <(awk -v k="$1" '$1 == k && $2 == "per_cpu" { print $3 }' "$work/samples") \
    <(awk -v k="$2" '$1 == k && $2 == "per_cpu" { print $3 }' "$work/samples") |
    awk 'NF == 2 && $2 > 0 { print $1 / $2 }' | sort -g |
    awk '{ a[NR] = $1 } END { if (NR == 0) { print "nan"; exit }
      m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
      printf "median %.2f (%.2f-%.2f, %d pairs)\n", m, a[1], a[NR], NR }'
}
has() { [[ " ${order[*]} " == *" $1 "* ]]; }
if ((reps > 1)); then
  echo
  echo "Per pair of runs in one repetition, req per CPU-s:"
  has golo_http && has golo && echo "- host->http on threads ÷ http_get: $(pair_ratios golo_http golo) (aim: >= 1)"
  has golo_fibers && has golo && echo "- host->http on fibers ÷ http_get: $(pair_ratios golo_fibers golo)"
  has golo_fibers && has golo_http && echo "- host->http on fibers ÷ on threads: $(pair_ratios golo_fibers golo_http)"
  has golo_fibers && has wrk && echo "- host->http on fibers ÷ wrk -t$loops: $(pair_ratios golo_fibers wrk) (aim: >= 0.95)"
fi
[[ " ${order[*]} " == *" golo "* ]] || exit 0
g=$(med golo per_cpu) w=$(med wrk per_cpu) h=$(med hey per_cpu)
echo
has golo_http && echo "host->http vs http_get, req per CPU-s: $(ratio "$(med golo_http per_cpu)" "$(med golo per_cpu)") (aim: >= 1)."
has golo_fibers && has golo_http && echo "host->http on fibers vs on threads, req per CPU-s: $(ratio "$(med golo_fibers per_cpu)" "$(med golo_http per_cpu)"); vs wrk: $(ratio "$(med golo_fibers per_cpu)" "$(med wrk per_cpu)")."
has golo_https && echo "host->http https vs http, req per CPU-s: $(ratio "$(med golo_https per_cpu)" "$(med golo_http per_cpu)") on threads, $(ratio "$(med golo_https_fibers per_cpu)" "$(med golo_fibers per_cpu)") on fibers (aim: >= 0.5)."
has golo_fibers && echo "host->http on fibers vs http_get, req per CPU-s: $(ratio "$(med golo_fibers per_cpu)" "$(med golo per_cpu)") (aim: >= 1)."
has wrk && has hey && echo "Target golo >= 60% of wrk's req per CPU-s: $(awk -v g="$g" -v w="$w" 'BEGIN { printf "%.0f%% -> %s", 100 * g / w, (g >= 0.6 * w ? "met" : "not met") }'); ahead of hey's: $(awk -v g="$g" -v h="$h" 'BEGIN { printf "%.2fx -> %s", g / h, (g > h ? "met" : "not met") }')."
exit 0
