#!/usr/bin/env bash
# The main job on a fresh machine: install, build, start golo-host on the
# example plugins, and trigger each of them, printing the responses.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release >/dev/null

work=$(mktemp -d)
trap 'kill $host_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/plugins"
for p in noop abi_tour http_get; do cp build/release/plugins-out/$p.so "$work/plugins/"; done
echo "url = https://127.0.0.1:1/" > "$work/plugins/http_get.conf"

build/release/host/golo-host --listen 127.0.0.1:0 --plugins "$work/plugins" >"$work/port" 2>"$work/host.log" &
host_pid=$!
for _ in $(seq 100); do grep -q "listening on port" "$work/port" 2>/dev/null && break; sleep 0.05; done
addr="127.0.0.1:$(sed -n 's/listening on port //p' "$work/port")"

golo=build/release/cli/golo
echo "== golo plugins --host $addr"
$golo plugins --host "$addr"
for job in noop abi_tour http_get; do
  echo "== golo trigger --host $addr $job"
  $golo trigger --host "$addr" "$job"
done
