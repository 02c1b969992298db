#!/usr/bin/env bash
# In-process schedules of the noop job: closed model, back to back (pacing
# 0), latency recorded, 1, 2, 8 and 64 users, run by golo-host through
# `golo run`, beside bare_loop (the same plugin dlopen'd and called back to
# back with two clock reads and a bucket increment: the floor), alternating
# which goes first, BENCH_REPS repetitions of BENCH_SECONDS (3 and 3 s).
# Then issue 4's comparison: the same schedule at 8 users in-process versus
# as one Job.Trigger RPC per iteration (`golo run --remote-target`) against a
# second golo-host. CPU is user+sys of the process(es) doing the work, from
# /proc/PID/stat. Target: >= 1,000,000 iterations/s.
#
# Before/after the supervisor (issue 9), on request, each level also on:
#   BENCH_INPROCESS_ALONE=1  golo-host-worker run alone (unsupervised)
#   GOLO_BEFORE_BUILD=DIR    DIR/host/golo-host, another build (e.g. of the
#                            commit before the supervisor)
#
#   bench/inprocess/run.sh    (GOLO_BUILD_DIR: default build/release)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-3}
levels=${BENCH_LEVELS:-"1 2 8 64"}
remote_users=${BENCH_REMOTE_USERS:-8}
bare=$build/bench/inprocess/bare_loop
need "$golo_host" "$golo_cli" "$bare" "$plugins_out/noop.so"

declare -A hpid haddr
hosts=(golo)
start_host golo noop
hpid[golo]=$host_pid haddr[golo]=$host_addr
if [[ ${BENCH_INPROCESS_ALONE:-0} = 1 ]]; then
  need "$golo_worker"
  HOST_BIN=$golo_worker start_host alone noop
  hpid[alone]=$host_pid haddr[alone]=$host_addr
  hosts+=(alone)
fi
if [[ -n ${GOLO_BEFORE_BUILD:-} ]]; then
  need "$GOLO_BEFORE_BUILD/host/golo-host"
  HOST_BIN=$GOLO_BEFORE_BUILD/host/golo-host start_host before noop
  hpid[before]=$host_pid haddr[before]=$host_addr
  hosts+=(before)
fi
start_host target noop
target_pid=$host_pid target_addr=$host_addr

jq_total() { jq -r ".total.$2" "$1"; }
run_golo() { # run_golo KEY USERS [golo run args...]; HOST=alone|before
  local key=$1 users=$2 c0 c1 t0 t1 golo_pid=${hpid[${HOST:-golo}]} golo_addr=${haddr[${HOST:-golo}]}
  shift 2
  write_schedule "$work/s.yaml" noop "$users" 0 "${seconds}s"
  c0=$(cpu_s "$golo_pid") t0=$(cpu_s "$target_pid")
  "$golo_cli" run "$work/s.yaml" --host "$golo_addr" --out "$work/r.json" --quiet "$@" >/dev/null
  c1=$(cpu_s "$golo_pid") t1=$(cpu_s "$target_pid")
  local it cpu
  it=$(jq_total "$work/r.json" iterations)
  cpu=$(awk -v a="$c0" -v b="$c1" -v c="$t0" -v d="$t1" 'BEGIN { print b - a + d - c }')
  sample "$key" rate "$(jq_total "$work/r.json" rate)"
  sample "$key" p50 "$(jq_total "$work/r.json" latency_us.p50)"
  sample "$key" p99 "$(jq_total "$work/r.json" latency_us.p99)"
  sample "$key" cpu "$cpu"
  sample "$key" per_cpu "$(awk -v i="$it" -v c="$cpu" 'BEGIN { printf "%.0f\n", (c > 0 ? i / c : 0) }')"
  echo "  $key: $(jq_total "$work/r.json" rate) it/s p50=$(jq_total "$work/r.json" latency_us.p50) p99=$(jq_total "$work/r.json" latency_us.p99) µs cpu=$cpu s" >&2
}
run_bare() { # run_bare KEY USERS
  local line it cpu
  line=$("$bare" "$plugins_out/noop.so" "$2" "$seconds")
  f() { tr ' ' '\n' <<<"$line" | sed -n "s/^$1=//p"; }
  it=$(f iterations) cpu=$(f cpu_s)
  sample "$1" rate "$(f iterations_per_s)"
  sample "$1" p50 "$(f p50_us)"
  sample "$1" p99 "$(f p99_us)"
  sample "$1" cpu "$cpu"
  sample "$1" per_cpu "$(awk -v i="$it" -v c="$cpu" 'BEGIN { printf "%.0f\n", (c > 0 ? i / c : 0) }')"
  echo "  $1: $line" >&2
}

run_one() { # run_one NAME USERS
  if [[ $1 = bare ]]; then run_bare "bare@$2" "$2"; else HOST=$1 run_golo "$1@$2" "$2"; fi
}
order=("${hosts[@]}" bare)
for n in $levels; do
  for r in $(seq "$reps"); do
    k=$(((r - 1) % ${#order[@]}))
    for s in "${order[@]:k}" "${order[@]:0:k}"; do run_one "$s" "$n"; done
  done
done
for r in $(seq "$reps"); do
  if ((r % 2)); then run_golo local "$remote_users"; run_golo remote "$remote_users" --remote-target "$target_addr"
  else run_golo remote "$remote_users" --remote-target "$target_addr"; run_golo local "$remote_users"; fi
done

machine_line
echo
echo "| users | golo it/s | bare loop it/s | ratio | golo p50/p99 µs | bare p50/p99 µs | golo it/CPU-s | bare it/CPU-s | >= 1M it/s |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in $levels; do
  g=$(med "golo@$n" rate) b=$(med "bare@$n" rate)
  echo "| $n | $(fmt0 "$g") | $(fmt0 "$b") | $(ratio "$g" "$b") | $(med "golo@$n" p50)/$(med "golo@$n" p99) | $(med "bare@$n" p50)/$(med "bare@$n" p99) | $(fmt0 "$(med "golo@$n" per_cpu)") | $(fmt0 "$(med "bare@$n" per_cpu)") | $(awk -v g="$g" 'BEGIN { print (g >= 1e6 ? "yes" : "no") }') |"
done
echo
echo "Issue 4: noop at $remote_users users, back to back, in-process vs one Job.Trigger RPC per iteration to a second golo-host (CPU: both hosts)."
echo
echo "| mode | it/s | p50/p99 µs | it/CPU-s | in-process ÷ RPC |"
echo "|---|---|---|---|---|"
l=$(med local rate) rm=$(med remote rate)
echo "| in-process | $(fmt0 "$l") | $(med local p50)/$(med local p99) | $(fmt0 "$(med local per_cpu)") | $(ratio "$l" "$rm") |"
echo "| per-iteration RPC | $(fmt0 "$rm") | $(med remote p50)/$(med remote p99) | $(fmt0 "$(med remote per_cpu)") | 1 |"

if ((${#hosts[@]} > 1)); then
  echo
  echo "Before/after the supervisor: golo-host (supervisor + worker)$([[ -n ${hpid[alone]:-} ]] && echo ", golo-host-worker alone (alone)")$([[ -n ${hpid[before]:-} ]] && echo ", the build in $GOLO_BEFORE_BUILD (before)"); ratios of medians."
  echo
  echo "| users | host | it/s | ÷ golo | p50/p99 µs | it/CPU-s |"
  echo "|---|---|---|---|---|---|"
  for n in $levels; do
    for h in "${hosts[@]}"; do
      echo "| $n | $h | $(fmt0 "$(med "$h@$n" rate)") | $(ratio "$(med "$h@$n" rate)" "$(med "golo@$n" rate)") | $(med "$h@$n" p50)/$(med "$h@$n" p99) | $(fmt0 "$(med "$h@$n" per_cpu)") |"
    done
  done
fi
