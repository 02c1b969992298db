#!/usr/bin/env bash
# The Trigger RPC path: golo-host serving the noop job against the fastest
# bare servers one can write for the same reply, bare_server (gRPC's sync
# API) and bare_callback_server (the callback API, reactor finished
# inline), all driven by the same trigger_client at 1, 16 and 64 calls in
# flight over min(N, 4) connections. Each repetition runs every server once,
# rotating which goes first; BENCH_REPS repetitions of BENCH_SECONDS each
# (defaults 3 and 3 s). Prints Markdown tables of medians. Server CPU is
# user+sys of the serving process (golo-host's worker) from /proc/PID/stat
# around each run. Target: golo >= 90% of the faster bare server's calls/s
# at every level, p99 within 10% of it.
#
# Before/after the supervisor (issue 9), on request:
#   BENCH_RPC_ALONE=1        also golo-host-worker run alone (unsupervised)
#   GOLO_BEFORE_BUILD=DIR    also DIR/host/golo-host, another build (e.g. of
#                            the commit before the supervisor)
# and what mixing gRPC's APIs costs (golo_threads, noop built without
# GOLO_EXECUTOR_FIBERS, is on by default; BENCH_RPC_THREADS=0 leaves it out):
#   BENCH_RPC_MIXED=1        also bare_callback_server --with-sync-service
#
#   bench/rpc/run.sh          (GOLO_BUILD_DIR: default build/release)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-3}
levels=${BENCH_LEVELS:-"1 16 64"}
client=$build/bench/rpc/trigger_client
bare=$build/bench/rpc/bare_server
bare_cb=$build/bench/rpc/bare_callback_server
need "$golo_host" "$client" "$bare" "$bare_cb" "$plugins_out/noop.so"

declare -A pid addr
servers=(golo bare bare_cb)
start_host golo noop
pid[golo]=$host_pid addr[golo]=$host_addr
# golo_threads: the same noop without the executor field (a thread plugin),
# beside golo's noop, which declares fibers (issue 23 item 5: a single
# Trigger of either runs on a gRPC thread; both must keep >= 0.90).
if [[ ${BENCH_RPC_THREADS:-1} = 1 ]]; then
  mkdir -p "$work/thread-noop"
  printf '#include <golo/plugin.h>\nGOLO_PLUGIN(.name = "noop");\nint golo_trigger(const golo_context *c, golo_response *r) { (void)c; (void)r; return 0; }\n' >"$work/thread-noop/noop.c"
  cc -std=c99 -O2 -shared -fPIC -fvisibility=hidden -I "$bench_root/plugin-api/include" \
    "$work/thread-noop/noop.c" -o "$work/thread-noop/noop.so"
  plugins_out=$work/thread-noop start_host golo_threads noop
  pid[golo_threads]=$host_pid addr[golo_threads]=$host_addr
  servers+=(golo_threads)
fi
if [[ ${BENCH_RPC_ALONE:-0} = 1 ]]; then
  need "$golo_worker"
  HOST_BIN=$golo_worker start_host alone noop
  pid[alone]=$host_pid addr[alone]=$host_addr
  servers+=(alone)
fi
if [[ -n ${GOLO_BEFORE_BUILD:-} ]]; then
  need "$GOLO_BEFORE_BUILD/host/golo-host"
  HOST_BIN=$GOLO_BEFORE_BUILD/host/golo-host start_host before noop
  pid[before]=$host_pid addr[before]=$host_addr
  servers+=(before)
fi
start_bare() { # start_bare NAME BINARY [ARGS...]
  "$2" --listen 127.0.0.1:0 "${@:3}" >"$work/$1.port" 2>"$work/$1.log" &
  pid[$1]=$!
  bench_pids+=("${pid[$1]}")
  for _ in $(seq 200); do grep -q "listening on port" "$work/$1.port" && break; sleep 0.05; done
  addr[$1]="127.0.0.1:$(sed -n 's/listening on port //p' "$work/$1.port")"
}
start_bare bare "$bare"
start_bare bare_cb "$bare_cb"
if [[ ${BENCH_RPC_MIXED:-0} = 1 ]]; then
  start_bare mixed "$bare_cb" --with-sync-service
  servers+=(mixed)
fi

field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
measure() { # measure NAME INFLIGHT REP
  local name=$1 n=$2 conns c0 c1 line
  conns=$((n < 4 ? n : 4))
  c0=$(cpu_s "${pid[$name]}")
  line=$("$client" --target "${addr[$name]}" --job noop --inflight "$n" --connections "$conns" --seconds "$seconds" --warmup 0.5)
  c1=$(cpu_s "${pid[$name]}")
  local key="$name@$n"
  sample "$key" cps "$(field "$line" calls_per_s)"
  sample "$key.$3" cps "$(field "$line" calls_per_s)"
  sample "$key" p50 "$(field "$line" p50_us)"
  sample "$key" p99 "$(field "$line" p99_us)"
  sample "$key" srv_cpu "$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')"
  # calls per server CPU-second over the whole run (warm-up included)
  sample "$key" per_cpu "$(awk -v c="$(field "$line" calls)" -v s="$seconds" -v w=0.5 -v a="$c0" -v b="$c1" 'BEGIN { if (b > a) printf "%.0f\n", c * (s + w) / s / (b - a); else print 0 }')"
  echo "  $name inflight=$n: $line server_cpu_s=$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" >&2
}
one() { awk -v k="$1" -v m="$2" '$1 == k && $2 == m { print $3; exit }' "$work/samples"; }

for n in $levels; do
  for s in "${servers[@]}"; do # warm each once (connections, thread pools)
    "$client" --target "${addr[$s]}" --inflight "$n" --connections $((n < 4 ? n : 4)) --seconds 0.3 --warmup 0 >/dev/null
  done
  for r in $(seq "$reps"); do
    k=$(((r - 1) % ${#servers[@]}))
    for s in "${servers[@]:k}" "${servers[@]:0:k}"; do measure "$s" "$n" "$r"; done
    # this repetition's ratios to the faster bare server of the same repetition
    best=$(awk -v a="$(one "bare@$n.$r" cps)" -v b="$(one "bare_cb@$n.$r" cps)" 'BEGIN { print (a > b ? a : b) }')
    for s in "${servers[@]}"; do
      [[ $s = bare || $s = bare_cb ]] || sample "$s@$n" rep_ratio "$(ratio "$(one "$s@$n.$r" cps)" "$best")"
    done
    echo "  repetition $r at $n in flight: golo / faster bare = $(one "golo@$n" rep_ratio | tail -1)" >&2
  done
done

machine_line
echo
echo "| in flight | golo calls/s | bare sync calls/s | bare callback calls/s | golo ÷ faster bare | median of per-repetition ratios | golo p50/p99 µs | faster bare p50/p99 µs | p99 ratio | golo calls/server-CPU-s | faster bare calls/server-CPU-s | target met |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for n in $levels; do
  gc=$(med "golo@$n" cps) bs=$(med "bare@$n" cps) bc=$(med "bare_cb@$n" cps)
  fb=bare_cb
  awk -v a="$bs" -v b="$bc" 'BEGIN { exit !(a > b) }' && fb=bare
  fc=$(med "$fb@$n" cps)
  gp99=$(med "golo@$n" p99) fp99=$(med "$fb@$n" p99)
  r=$(ratio "$gc" "$fc") r99=$(ratio "$gp99" "$fp99")
  rr=$(awk -v k="golo@$n" '$1 == k && $2 == "rep_ratio" { print $3 }' "$work/samples" | median)
  met=$(awk -v r="$r" -v q="$r99" 'BEGIN { print ((r >= 0.9 && q <= 1.1) ? "yes" : "no") }')
  echo "| $n | $(fmt0 "$gc") | $(fmt0 "$bs") | $(fmt0 "$bc") | $r | $rr | $(med "golo@$n" p50)/$gp99 | $(med "$fb@$n" p50)/$fp99 | $r99 | $(fmt0 "$(med "golo@$n" per_cpu)") | $(fmt0 "$(med "$fb@$n" per_cpu)") | $met |"
done

if ((${#servers[@]} > 3)); then
  echo
  echo "Beside it: golo_threads (noop on threads; golo's noop declares fibers), golo-host-worker alone (alone: no supervisor), the build in ${GOLO_BEFORE_BUILD:-(none)} (before), bare_callback_server --with-sync-service (mixed). Ratios of medians, and the median of per-repetition ratios to the faster bare server."
  echo
  echo "| in flight | server | calls/s | ÷ golo | ÷ faster bare (per-repetition median) | p50/p99 µs | calls/server-CPU-s |"
  echo "|---|---|---|---|---|---|---|"
  for n in $levels; do
    for s in "${servers[@]}"; do
      [[ $s = bare || $s = bare_cb ]] && continue
      rr=$(awk -v k="$s@$n" '$1 == k && $2 == "rep_ratio" { print $3 }' "$work/samples" | median)
      echo "| $n | $s | $(fmt0 "$(med "$s@$n" cps)") | $(ratio "$(med "$s@$n" cps)" "$(med "golo@$n" cps)") | $rr | $(med "$s@$n" p50)/$(med "$s@$n" p99) | $(fmt0 "$(med "$s@$n" per_cpu)") |"
    done
  done
fi
