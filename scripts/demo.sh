#!/usr/bin/env bash
# The main job on a fresh machine: install, build, then a short real load
# test: golo-host with the example plugins, http_get against a local nginx
# that this script starts, a 5-second schedule, and its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
echo "building (first time: a few minutes)..."
scripts/build.sh ${GOLO_BUILD:-release} >build.log 2>&1 || { tail -40 build.log; exit 1; }

work=$(mktemp -d)
chmod 755 "$work"  # nginx workers (user nobody) read the page below it
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

nginx_port=$(free_port)
scripts/nginx-target.sh "$work/nginx" "$nginx_port" &
pids+=($!)

mkdir -p "$work/plugins"
cp build/${GOLO_BUILD:-release}/plugins-out/{noop,http_get,abi_tour}.so "$work/plugins/"
echo "url = http://127.0.0.1:$nginx_port/" >"$work/plugins/http_get.conf"
build/${GOLO_BUILD:-release}/host/golo-host --listen 127.0.0.1:0 --plugins "$work/plugins" >"$work/port" 2>"$work/host.log" &
pids+=($!)
for _ in $(seq 200); do grep -q "listening on port" "$work/port" 2>/dev/null && break; sleep 0.05; done
addr="127.0.0.1:$(sed -n 's/listening on port //p' "$work/port")"
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$nginx_port/" && break; sleep 0.05; done

golo=build/${GOLO_BUILD:-release}/cli/golo
echo "== golo plugins --host $addr"
$golo plugins --host "$addr"
echo "== golo trigger --host $addr http_get"
$golo trigger --host "$addr" http_get
echo "== golo run examples/http_get.yaml --host $addr --out $work/results.json"
$golo run examples/http_get.yaml --host "$addr" --out "$work/results.json"
