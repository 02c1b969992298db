# Shared helpers for bench/*/run.sh (bash; source it). Every process started
# here is remembered and stopped on exit; only 127.0.0.1 is ever loaded.
#
# Environment: GOLO_BUILD_DIR (default: build/release, as scripts/build.sh
# makes it), BENCH_REPS (repetitions, default 3), BENCH_SECONDS (seconds per
# measured run; each benchmark has its own default).

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${GOLO_BUILD_DIR:-$bench_root/build/release}
[[ $build = /* ]] || build=$bench_root/$build
golo_host=$build/host/golo-host
golo_worker=$build/host/golo-host-worker
golo_cli=$build/cli/golo
plugins_out=$build/plugins-out
reps=${BENCH_REPS:-3}
clk_tck=$(getconf CLK_TCK)

work=$(mktemp -d "${TMPDIR:-/tmp}/golo-bench.XXXXXX")
chmod 755 "$work" # nginx workers (user nobody) read the page below it
bench_pids=()
bench_cleanup() {
  local p
  for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${bench_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap bench_cleanup EXIT

need() {
  local f
  for f in "$@"; do
    [[ -e $f ]] || { echo "bench: $f missing (build with scripts/build.sh, or set GOLO_BUILD_DIR)" >&2; exit 2; }
  done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# CPU seconds (user+sys) a live process has used so far.
cpu_s() { awk -v t="$clk_tck" '{ sub(/^.*\) /, ""); printf "%.3f\n", ($12 + $13) / t }' "/proc/$1/stat"; }
# A /proc/PID/status field in KiB (VmRSS, VmHWM).
vm_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# start_host NAME PLUGIN... : a golo-host serving copies of the given plugins
# from $work/NAME; sets host_addr, host_pid (its worker, which loads the
# plugins and serves: what the benchmarks measure) and host_main_pid (the
# supervisor, which stops both). HOST_BIN=PATH runs another build's
# golo-host, or golo-host-worker alone (unsupervised); a host without a
# worker process is both pids. HOST_ARGS: more golo-host options.
start_host() {
  local name=$1 p bin=${HOST_BIN:-$golo_host}
  shift
  mkdir -p "$work/$name"
  for p in "$@"; do cp "$plugins_out/$p.so" "$work/$name/"; done
  [[ -f $work/http_get.conf ]] && cp "$work/http_get.conf" "$work/$name/"
  # shellcheck disable=SC2086 # HOST_ARGS: more golo-host options, split
  "$bin" --listen 127.0.0.1:0 --plugins "$work/$name" --log-level warn ${HOST_ARGS:-} \
    >"$work/$name.port" 2>"$work/$name.log" &
  host_main_pid=$!
  bench_pids+=("$host_main_pid")
  local _
  for _ in $(seq 200); do grep -q "listening on port" "$work/$name.port" 2>/dev/null && break; sleep 0.05; done
  host_addr="127.0.0.1:$(sed -n 's/listening on port //p' "$work/$name.port")"
  [[ $host_addr != 127.0.0.1: ]] || { cat "$work/$name.log" >&2; exit 1; }
  host_pid=$(pgrep -P "$host_main_pid" | head -1 || true)
  [[ -n $host_pid ]] || host_pid=$host_main_pid
}

stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# start_nginx [WORKER_CONNECTIONS]: one worker, no access log, keep-alive;
# sets nginx_url and writes http_get.conf for start_host. With NGINX_TLS set
# it also serves the same root over TLS (and HTTP/2 by ALPN) with
# make_test_certs.sh's certificate: nginx_tls_url, CA in $work/certs/ca.pem.
# NGINX_WORKERS=N: N workers, each with its own listen socket (reuseport),
# so N accept queues of net.core.somaxconn each take a burst of connects.
start_nginx() {
  local conns=${1:-4096} port files tls_listen="" workers=${NGINX_WORKERS:-1} reuse=""
  ((workers > 1)) && reuse=" reuseport"
  files=$((conns + 100))
  # nginx may not raise its file limit above the hard limit
  [[ $(ulimit -Hn) = unlimited ]] || ((files <= $(ulimit -Hn))) || files=$(ulimit -Hn)
  port=$(free_port)
  if [[ -n ${NGINX_TLS:-} ]]; then
    "$bench_root/tests/integration/make_test_certs.sh" "$work/certs" >/dev/null
    nginx_tls_port=$(free_port)
    tls_listen="listen 127.0.0.1:$nginx_tls_port ssl http2; ssl_certificate $work/certs/server.pem; ssl_certificate_key $work/certs/server.key;"
    nginx_tls_url="https://127.0.0.1:$nginx_tls_port/"
  fi
  mkdir -p "$work/nginx/www"
  printf 'hello from nginx\n' >"$work/nginx/www/index.html"
  chmod -R a+rX "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $workers;
worker_rlimit_nofile $files;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections $conns; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$port backlog=16384$reuse; $tls_listen root $work/nginx/www; }
}
CONF
  /usr/sbin/nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
  bench_pids+=($!)
  nginx_url="http://127.0.0.1:$port/"
  local _
  for _ in $(seq 200); do curl -s -o /dev/null "$nginx_url" && break; sleep 0.05; done
  echo "url = $nginx_url" >"$work/http_get.conf"
}

# build_golo_http_plugins: in $work/golo, the plugin `golo new --http`
# writes, built as a user would: golo_fibers.so as written (it declares
# GOLO_EXECUTOR_FIBERS), golo_http.so the same on threads (its executor
# field taken out), and golo_https.so / golo_https_fibers.so, the same two
# verified against the test CA (after NGINX_TLS=1 start_nginx).
build_golo_http_plugins() {
  mkdir -p "$work/golo"
  (cd "$work" && "$golo_cli" new golo_fibers --http "$nginx_url" >/dev/null &&
    make -s -C golo_fibers GOLO_INCLUDE="$bench_root/plugin-api/include" \
      install PLUGINS="$work/golo" >/dev/null)
  (cd "$work" && "$golo_cli" new golo_http --http "$nginx_url" >/dev/null &&
    sed -z -i 's/,\n *\.executor = GOLO_EXECUTOR_FIBERS);/);/' golo_http/golo_http.c &&
    ! grep -q 'GOLO_EXECUTOR_FIBERS);' golo_http/golo_http.c &&
    make -s -C golo_http GOLO_INCLUDE="$bench_root/plugin-api/include" \
      install PLUGINS="$work/golo" >/dev/null)
  echo "http_ca_file = $work/certs/ca.pem" >"$work/golo/golo_https.conf"
  cp "$work/golo/golo_http.so" "$work/golo/golo_https.so"
  cp "$work/golo/golo_fibers.so" "$work/golo/golo_https_fibers.so"
  cp "$work/golo/golo_https.conf" "$work/golo/golo_https_fibers.conf"
}

# profile_run JOB USERS SECONDS [golo run args]: runs JOB on the started
# host (host_pid, host_addr) back to back and samples golo-host with perf's
# cpu-clock (a software clock, for VMs without hardware counters) into
# $work/perf.data; the run's results are in $work/r.json.
profile_run() {
  write_schedule "$work/s.yaml" "$1" "$2" 0 "${3}s"
  "$golo_cli" run "$work/s.yaml" --host "$host_addr" --out "$work/r.json" --quiet "${@:4}" >/dev/null &
  local run=$!
  sleep 0.5
  perf record -e cpu-clock -F 2000 -g -p "$host_pid" -o "$work/perf.data" -- sleep $(($3 - 1)) >/dev/null 2>&1
  wait "$run"
}
# perf_top SORT N: the top N lines of $work/perf.data by self time.
perf_top() {
  perf report -i "$work/perf.data" --no-children --sort "$1" --stdio 2>/dev/null |
    grep -E '^ +[0-9.]+%' | sed -E 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//' | head -"$2" || true
}

# write_schedule FILE JOB USERS PACING DURATION
write_schedule() {
  cat >"$1" <<YAML
version: job:latest
job:
  name: $2
  users: $3
  pacing: $4
  duration: $5
  graceful_stop: 5s
YAML
}

# Median of the numbers on stdin, one per line.
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Results are kept as lines "KEY metric value" in $work/samples; med KEY metric.
sample() { echo "$1 $2 $3" >>"$work/samples"; }
med() { awk -v k="$1" -v m="$2" '$1 == k && $2 == m { print $3 }' "$work/samples" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.2f\n", a / b }'; }
fmt0() { awk -v a="$1" 'BEGIN { printf "%.0f\n", a }'; }

machine_line() {
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d), shared with other work; medians of $reps alternating repetitions."
}
