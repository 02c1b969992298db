#!/usr/bin/env bash
# What the control plane costs (issue 10).
#
# 1. The Trigger path over TLS with a token (the host checks the token's
#    role on every call) beside plaintext with no tokens, and TLS alone to
#    tell the two costs apart: three golo-hosts serving noop, driven by bench/rpc's trigger_client at 1 and 16 calls in
#    flight (16 over 4 connections), alternating which goes first,
#    BENCH_REPS repetitions of BENCH_SECONDS (defaults 3 and 3 s).
# 2. golo push of a 1 MiB plugin to 3 hosts (TLS + admin token), from the
#    command's start to its exit, which comes once every host has renamed
#    the file in and its rescan has the new build serving. Each push is a
#    new build (noop.so with 1 MiB of fresh bytes appended), so every host
#    replaces its job; BENCH_PUSHES pushes (default 9), median and max.
#
# Certificates: an EC P-256 CA and server certificate made by
# tests/integration/make_test_certs.sh. Prints Markdown tables.
#
#   bench/tls/run.sh          (GOLO_BUILD_DIR: default build/release)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
seconds=${BENCH_SECONDS:-3}
levels=${BENCH_LEVELS:-"1 16"}
pushes=${BENCH_PUSHES:-9}
client=$build/bench/rpc/trigger_client
need "$golo_host" "$golo_cli" "$client" "$plugins_out/noop.so"

"$bench_root/tests/integration/make_test_certs.sh" "$work/certs"
token=$(openssl rand -hex 32)
(umask 077; echo "trigger $token" >"$work/tokens"; echo "admin $token-admin" >>"$work/tokens"
 echo "$token-admin" >"$work/admin.token")
secure=(--tls-cert "$work/certs/server.pem" --tls-key "$work/certs/server.key" --tokens "$work/tokens")

# start_secure NAME PLUGIN...: as start_host, with TLS and tokens (or what
# the array secure holds).
start_secure() {
  local name=$1 p _
  shift
  mkdir -p "$work/$name"
  for p in "$@"; do cp "$plugins_out/$p.so" "$work/$name/"; done
  "$golo_host" --listen 127.0.0.1:0 --plugins "$work/$name" --log-level warn "${secure[@]}" \
    >"$work/$name.port" 2>"$work/$name.log" &
  host_pid=$!
  bench_pids+=("$host_pid")
  for _ in $(seq 200); do grep -q "listening on port" "$work/$name.port" 2>/dev/null && break; sleep 0.05; done
  host_addr="127.0.0.1:$(sed -n 's/listening on port //p' "$work/$name.port")"
  [[ $host_addr != 127.0.0.1: ]] || { cat "$work/$name.log" >&2; exit 1; }
}

start_host plain noop
plain_pid=$host_pid plain_addr=$host_addr
start_secure tls noop
tls_pid=$host_pid tls_addr=$host_addr
tls_args=(--tls-ca "$work/certs/ca.pem" --token "$token")
secure=(--tls-cert "$work/certs/server.pem" --tls-key "$work/certs/server.key")
start_secure tlsonly noop
tlsonly_pid=$host_pid tlsonly_addr=$host_addr
secure+=(--tokens "$work/tokens")

field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
measure() { # measure NAME PID ADDR INFLIGHT [CLIENT ARGS...]
  local name=$1 pid=$2 addr=$3 n=$4 conns c0 c1 line
  shift 4
  conns=$((n < 4 ? n : 4))
  c0=$(cpu_s "$pid")
  line=$("$client" --target "$addr" --job noop --inflight "$n" --connections "$conns" --seconds "$seconds" --warmup 0.5 "$@")
  c1=$(cpu_s "$pid")
  local key="$name@$n"
  sample "$key" cps "$(field "$line" calls_per_s)"
  sample "$key" p50 "$(field "$line" p50_us)"
  sample "$key" p99 "$(field "$line" p99_us)"
  sample "$key" per_cpu "$(awk -v c="$(field "$line" calls)" -v s="$seconds" -v w=0.5 -v a="$c0" -v b="$c1" 'BEGIN { if (b > a) printf "%.0f\n", c * (s + w) / s / (b - a); else print 0 }')"
  echo "  $name inflight=$n: $line" >&2
}

for n in $levels; do
  conns=$((n < 4 ? n : 4))
  "$client" --target "$plain_addr" --inflight "$n" --connections $conns --seconds 0.3 --warmup 0 >/dev/null
  "$client" --target "$tls_addr" --inflight "$n" --connections $conns --seconds 0.3 --warmup 0 "${tls_args[@]}" >/dev/null
  "$client" --target "$tlsonly_addr" --inflight "$n" --connections $conns --seconds 0.3 --warmup 0 --tls-ca "$work/certs/ca.pem" >/dev/null
  for r in $(seq "$reps"); do
    if ((r % 2)); then
      measure tls "$tls_pid" "$tls_addr" "$n" "${tls_args[@]}"
      measure tlsonly "$tlsonly_pid" "$tlsonly_addr" "$n" --tls-ca "$work/certs/ca.pem"
      measure plain "$plain_pid" "$plain_addr" "$n"
    else
      measure plain "$plain_pid" "$plain_addr" "$n"
      measure tlsonly "$tlsonly_pid" "$tlsonly_addr" "$n" --tls-ca "$work/certs/ca.pem"
      measure tls "$tls_pid" "$tls_addr" "$n" "${tls_args[@]}"
    fi
  done
done
stop_pid "$plain_pid"
stop_pid "$tls_pid"
stop_pid "$tlsonly_pid"

# Three hosts for the push, each already serving a noop job named "big".
hosts=()
for i in 1 2 3; do
  mkdir -p "$work/push$i"
  cp "$plugins_out/noop.so" "$work/push$i/big.so"
  start_secure "push$i" noop
  hosts+=(--host "$host_addr")
done
for i in $(seq "$pushes"); do
  { cat "$plugins_out/noop.so"; head -c $((1024 * 1024)) /dev/urandom; } >"$work/big.so"
  t0=$(date +%s%N)
  out=$("$golo_cli" push "$work/big.so" "${hosts[@]}" --tls-ca "$work/certs/ca.pem" --token-file "$work/admin.token")
  t1=$(date +%s%N)
  [[ $(grep -c "replaced   big" <<<"$out") == 3 ]] || { echo "push $i: $out" >&2; exit 1; }
  sample push ms "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }')"
done
size=$(stat -c %s "$work/big.so")

machine_line
echo
echo "| in flight | plaintext calls/s | TLS calls/s | TLS+token calls/s | TLS+token / plaintext | plaintext p50/p99 µs | TLS p50/p99 µs | TLS+token p50/p99 µs | calls/server-CPU-s plaintext, TLS, TLS+token |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in $levels; do
  pc=$(med "plain@$n" cps) oc=$(med "tlsonly@$n" cps) tc=$(med "tls@$n" cps)
  echo "| $n | $(fmt0 "$pc") | $(fmt0 "$oc") | $(fmt0 "$tc") | $(ratio "$tc" "$pc") | $(med "plain@$n" p50)/$(med "plain@$n" p99) | $(med "tlsonly@$n" p50)/$(med "tlsonly@$n" p99) | $(med "tls@$n" p50)/$(med "tls@$n" p99) | $(fmt0 "$(med "plain@$n" per_cpu)"), $(fmt0 "$(med "tlsonly@$n" per_cpu)"), $(fmt0 "$(med "tls@$n" per_cpu)") |"
done
echo
echo "| golo push, $size bytes, 3 hosts (TLS + admin token) | median ms | max ms | pushes |"
echo "|---|---|---|---|"
echo "| command start to exit (all 3 serving the new build) | $(med push ms) | $(awk '$1 == "push" { print $3 }' "$work/samples" | sort -g | tail -1) | $pushes |"
