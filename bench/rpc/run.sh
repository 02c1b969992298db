#!/usr/bin/env bash
# The Trigger RPC path: golo-host serving the noop job against bare_server
# (a sync-API Job server that answers an empty Response), both driven by the
# same trigger_client at 1, 16 and 64 calls in flight, alternating which goes
# first, BENCH_REPS repetitions of BENCH_SECONDS each (defaults 3 and 3 s).
# Prints a Markdown table of medians. Server CPU is user+sys from
# /proc/PID/stat around each run. Target: golo >= 90% of bare calls/s at
# every level, p99 within 10%.
#
#   bench/rpc/run.sh          (GOLO_BUILD_DIR: default build/release)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-3}
levels=${BENCH_LEVELS:-"1 16 64"}
client=$build/bench/rpc/trigger_client
bare=$build/bench/rpc/bare_server
need "$golo_host" "$client" "$bare" "$plugins_out/noop.so"

start_host golo noop
golo_pid=$host_pid golo_addr=$host_addr
"$bare" --listen 127.0.0.1:0 >"$work/bare.port" 2>"$work/bare.log" &
bare_pid=$!
bench_pids+=("$bare_pid")
for _ in $(seq 200); do grep -q "listening on port" "$work/bare.port" && break; sleep 0.05; done
bare_addr="127.0.0.1:$(sed -n 's/listening on port //p' "$work/bare.port")"

field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
measure() { # measure NAME PID ADDR INFLIGHT
  local name=$1 pid=$2 addr=$3 n=$4 conns c0 c1 line
  conns=$((n < 4 ? n : 4))
  c0=$(cpu_s "$pid")
  line=$("$client" --target "$addr" --job noop --inflight "$n" --connections "$conns" --seconds "$seconds" --warmup 0.5)
  c1=$(cpu_s "$pid")
  local key="$name@$n" cps
  cps=$(field "$line" calls_per_s)
  sample "$key" cps "$cps"
  sample "$key" p50 "$(field "$line" p50_us)"
  sample "$key" p99 "$(field "$line" p99_us)"
  sample "$key" srv_cpu "$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')"
  # calls per server CPU-second over the whole run (warm-up included)
  sample "$key" per_cpu "$(awk -v c="$(field "$line" calls)" -v s="$seconds" -v w=0.5 -v a="$c0" -v b="$c1" 'BEGIN { if (b > a) printf "%.0f\n", c * (s + w) / s / (b - a); else print 0 }')"
  echo "  $name inflight=$n: $line server_cpu_s=$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" >&2
}

for n in $levels; do
  # warm both once (connections, thread pools)
  "$client" --target "$golo_addr" --inflight "$n" --connections $((n < 4 ? n : 4)) --seconds 0.3 --warmup 0 >/dev/null
  "$client" --target "$bare_addr" --inflight "$n" --connections $((n < 4 ? n : 4)) --seconds 0.3 --warmup 0 >/dev/null
  for r in $(seq "$reps"); do
    if ((r % 2)); then
      measure golo "$golo_pid" "$golo_addr" "$n"
      measure bare "$bare_pid" "$bare_addr" "$n"
    else
      measure bare "$bare_pid" "$bare_addr" "$n"
      measure golo "$golo_pid" "$golo_addr" "$n"
    fi
  done
done

machine_line
echo
echo "| in flight | golo calls/s | bare calls/s | ratio | golo p50/p99 µs | bare p50/p99 µs | p99 ratio | golo calls/server-CPU-s | bare calls/server-CPU-s | target met |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for n in $levels; do
  gc=$(med "golo@$n" cps) bc=$(med "bare@$n" cps)
  gp99=$(med "golo@$n" p99) bp99=$(med "bare@$n" p99)
  r=$(ratio "$gc" "$bc") r99=$(ratio "$gp99" "$bp99")
  met=$(awk -v r="$r" -v q="$r99" 'BEGIN { print ((r >= 0.9 && q <= 1.1) ? "yes" : "no") }')
  echo "| $n | $(fmt0 "$gc") | $(fmt0 "$bc") | $r | $(med "golo@$n" p50)/$gp99 | $(med "bare@$n" p50)/$bp99 | $r99 | $(fmt0 "$(med "golo@$n" per_cpu)") | $(fmt0 "$(med "bare@$n" per_cpu)") | $met |"
done
