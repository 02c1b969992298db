#!/usr/bin/env bash
# The fiber executor's memory (issue 23): golo-host running FEW (default
# 10,000) and MANY (default 100,000) paced users of `noop` (a fiber plugin:
# GOLO_EXECUTOR_FIBERS), pacing 1s, BENCH_SECONDS (default 5 s), a fresh
# host per run; VmHWM of the worker at the end, and the KiB per added user
# between the two. Beside it, FEW users of `thread_think` (10 ms of think
# time through host->sleep, no executor field: one thread per user).
# Iterations must be exact: users x seconds. Target: <= 10 KiB per added
# fiber user.
#
# With BENCH_HTTP=1, also paced HTTP users: the plugin `golo new --http`
# writes (a fiber plugin) against nginx (one worker, keep-alive), pacing 1s,
# at FEW_HTTP (default 1,000) and MANY_HTTP users (default: the hard limit
# of open files less 1,000, at most 20,000), each user one kept-alive
# connection: the worker's VmRSS and the kernel's TCP buffer pages
# (/proc/net/sockstat, "TCP: mem", both ends of each connection on this
# machine) a second before the end, per added user, and errors. The users
# are ramped in over BENCH_RAMP seconds (default one per 2,500 users) and
# nginx has NGINX_WORKERS workers (default 2), each with its own accept queue:
# 19,000 users connecting in one second overflow one queue of
# net.core.somaxconn (4,096 here) and the run measures nginx's backlog, not
# golo. Iterations: at most users x (seconds + ramp); fewer, with `missed`
# counted, when the machine cannot make users x 1 requests a second.
# BENCH_NOOP=0 leaves the noop runs out.
#
#   bench/fibers/run.sh   (GOLO_BUILD_DIR: default build/release)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-5}
few=${BENCH_FEW:-10000}
many=${BENCH_MANY:-100000}
test_plugins=$build/test-plugins
need "$golo_host" "$golo_cli" "$plugins_out/noop.so"

run_one() { # run_one JOB USERS
  local key="$1@$2" hwm
  start_host "fib-$RANDOM" "$1"
  write_schedule "$work/s.yaml" "$1" "$2" 1s "${seconds}s"
  "$golo_cli" run "$work/s.yaml" --host "$host_addr" --out "$work/r.json" --quiet >/dev/null || true
  hwm=$(vm_kib "$host_pid" VmHWM)
  stop_pid "$host_main_pid"
  sample "$key" hwm "$hwm"
  sample "$key" iterations "$(jq -r .total.iterations "$work/r.json")"
  echo "  $key: VmHWM $hwm KiB, $(jq -r .total.iterations "$work/r.json") iterations (want $(($2 * seconds))), errors $(jq -r .total.errors "$work/r.json")" >&2
}

# start_host copies plugins from $plugins_out: one of our own with both.
mkdir -p "$work/plugins"
cp "$plugins_out/noop.so" "$work/plugins/"
threads=0
if [[ -f $test_plugins/thread_think.so ]]; then
  cp "$test_plugins/thread_think.so" "$work/plugins/" && threads=1
fi
plugins_out=$work/plugins
for r in $(seq "$reps"); do
  [[ ${BENCH_NOOP:-1} = 1 ]] || break
  run_one noop "$few"
  run_one noop "$many"
  ((threads)) && run_one thread_think "$few"
done

tcp_pages() { awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "mem") print $(i + 1) }' /proc/net/sockstat; }
run_http() { # run_http USERS: paced HTTP users, measured a second before the end
  local key="http@$1" rss tcp
  HOST_ARGS="--max-fiber-users $1" start_host "http-$RANDOM" golo_fibers
  local ramp=${BENCH_RAMP:-$((($1 + 2499) / 2500))}
  cat >"$work/s.yaml" <<YAML
version: job:latest
job:
  name: golo_fibers
  pacing: 1s
  stages:
    - {duration: ${ramp}s, users: $1}
    - {duration: ${seconds}s, users: $1}
  graceful_stop: 5s
YAML
  "$golo_cli" run "$work/s.yaml" --host "$host_addr" --out "$work/r.json" -e "BASE_URL=$nginx_url" >"$work/http-run.out" 2>&1 &
  local run=$!
  sleep "$((ramp + seconds - 1))"
  rss=$(vm_kib "$host_pid" VmRSS) tcp=$(tcp_pages)
  wait "$run" || true
  sample "$key" rss "$rss"
  sample "$key" tcp "$tcp"
  sample "$key" iterations "$(jq -r .total.iterations "$work/r.json")"
  sample "$key" errors "$(jq -r .total.errors "$work/r.json")"
  [[ -n ${BENCH_VERBOSE:-} ]] && { tail -40 "$work/http-run.out"; jq -c '{total: .total | {iterations, errors, missed, interrupted}, stalls}' "$work/r.json"; cat "$work/$(ls -t "$work" | grep '^http-.*\.log$' | head -1)"; } >&2
  echo "  $key: VmRSS $rss KiB, TCP mem $tcp pages, $(jq -r .total.iterations "$work/r.json") iterations (at most $(($1 * (seconds + ramp)))), errors $(jq -r .total.errors "$work/r.json")" >&2
  stop_pid "$host_main_pid"
}
if [[ ${BENCH_HTTP:-0} = 1 ]]; then
  ulimit -n "$(ulimit -Hn)"
  hard=$(ulimit -Hn)
  few_http=${FEW_HTTP:-1000}
  many_http=${MANY_HTTP:-$((hard - 1000 < 20000 ? hard - 1000 : 20000))}
  NGINX_WORKERS=${NGINX_WORKERS:-2} start_nginx $((many_http + 200))
  (cd "$work" && "$golo_cli" new golo_fibers --http "$nginx_url" >/dev/null &&
    make -s -C golo_fibers GOLO_INCLUDE="$bench_root/plugin-api/include" \
      install PLUGINS="$work/plugins" >/dev/null)
  for r in $(seq "$reps"); do
    run_http "$few_http"
    run_http "$many_http"
  done
fi

echo
machine_line
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
if [[ ${BENCH_NOOP:-1} = 1 ]]; then
echo
echo "| load | users | VmHWM KiB | iterations |"
echo "|---|---|---|---|"
for key in "noop@$few" "noop@$many" "thread_think@$few"; do
  [[ $(med "$key" hwm) == nan ]] && continue
  echo "| ${key%@*} | ${key#*@} | $(med "$key" hwm) | $(med "$key" iterations) |"
done
fi
if [[ ${BENCH_HTTP:-0} = 1 ]]; then
  echo
  echo "| HTTP users (fibers, pacing 1s) | worker VmRSS KiB | TCP mem pages | iterations | errors |"
  echo "|---|---|---|---|---|"
  for key in "http@$few_http" "http@$many_http"; do
    echo "| ${key#*@} | $(med "$key" rss) | $(med "$key" tcp) | $(med "$key" iterations) | $(med "$key" errors) |"
  done
  echo
  echo "HTTP users: $(awk -v a="$(med "http@$few_http" rss)" -v b="$(med "http@$many_http" rss)" -v n="$((many_http - few_http))" 'BEGIN { printf "%.2f", (b - a) / n }') KiB of worker VmRSS and $(awk -v a="$(med "http@$few_http" tcp)" -v b="$(med "http@$many_http" tcp)" -v n="$((many_http - few_http))" 'BEGIN { printf "%.2f", 4 * (b - a) / n }') KiB of TCP buffers (both ends) per added user."
fi
[[ ${BENCH_NOOP:-1} = 1 ]] || exit 0
per=$(awk -v a="$(med "noop@$few" hwm)" -v b="$(med "noop@$many" hwm)" -v n="$((many - few))" 'BEGIN { printf "%.2f", (b - a) / n }')
echo
echo "Fiber users: $per KiB per added user (VmHWM, $few to $many users)."
