#!/usr/bin/env bash
# Installs every Debian 12 package golo needs to build, test and benchmark.
# Idempotent: when everything is present it only checks, in well under a second.
# --build-only: just what building golo and its .deb takes (the image's
# build stage, packaging/Containerfile, uses this).
set -euo pipefail

BUILD_PACKAGES=(
  cmake ninja-build g++ pkg-config clang-format
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost-dev libspdlog-dev libfmt-dev doctest-dev libcurl4-openssl-dev
  # the fiber executor (agent/src/fibers)
  libboost-context-dev
  # host->http's TLS fast path (host/src/http/tls_*.cpp)
  libssl-dev
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  # Chart.js, compiled into golo's HTML reports
  libjs-chart.js
  # the .deb: cpack's DEB generator runs dpkg-shlibdeps (dpkg-dev) and file;
  # the manual pages are made by help2man
  dpkg-dev file help2man
)
PACKAGES=(
  "${BUILD_PACKAGES[@]}"
  # tests: a second-language gRPC client, a real HTTP target (and a TLS
  # certificate for it, made by openssl), tools
  python3 python3-grpcio python3-grpc-tools python3-protobuf nginx-light curl procps openssl ca-certificates
  systemd
  # ss: the fiber tests read their connections' local ports
  iproute2
  # reuses unchanged objects across builds and clones (scripts/build.sh)
  ccache
  # go-lo's own language: Go clients built offline from Debian's Go packages
  # (tests/golang; protoc-gen-go is in golang-goprotobuf-dev)
  golang-go golang-google-grpc-dev golang-goprotobuf-dev
  # the HTML report opened in a real browser (tests/browser)
  chromium
  # golo new's generated Makefile, built by its test
  make
  # packaging tests: lintian on the .deb; Node's npm fetches the Kubernetes
  # schema validator (tests/packaging/k8s)
  lintian
  # benchmarks
  wrk hey hyperfine jq time linux-perf valgrind strace
)

if [[ ${1:-} == --build-only ]]; then
  PACKAGES=("${BUILD_PACKAGES[@]}")
elif ! command -v npm >/dev/null; then
  # Debian's Node.js and npm, unless a Node.js with its own npm is there.
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# InfluxDB 1.x and Prometheus (the outputs and metrics tests talk to real
# ones). Their packages start system services on all interfaces (:8086,
# :9090) and Prometheus Recommends node-exporter (:9100): install them
# without recommends under a policy-rc.d that forbids starting services (any
# policy-rc.d already there is set aside and put back after); the tests
# start their own instances on free loopback ports.
services=()
if [[ ${1:-} != --build-only ]]; then
  for p in influxdb prometheus; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      services+=("$p")
    fi
  done
fi
if ((${#services[@]})); then
  echo "install-deps: installing ${services[*]} (their services not started)" >&2
  policy=/usr/sbin/policy-rc.d
  saved=""
  if [[ -e $policy ]]; then
    saved=$policy.install-deps-saved
    $SUDO mv "$policy" "$saved"
  fi
  restore_policy() {
    $SUDO rm -f "$policy"
    if [[ -n $saved ]]; then $SUDO mv "$saved" "$policy"; fi
  }
  trap restore_policy EXIT
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${services[@]}" >/dev/null
  restore_policy
  trap - EXIT
fi

# playwright-core (no dependencies of its own) drives chromium in
# tests/browser; installed into that directory, never globally.
browser_tests="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
if [[ ${1:-} != --build-only && ! -d $browser_tests/node_modules/playwright-core ]]; then
  echo "install-deps: npm install in tests/browser" >&2
  (cd "$browser_tests" && npm install --no-package-lock --no-audit --no-fund --silent)
fi
