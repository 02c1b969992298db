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
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
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
  # golo new's generated Makefile, built by its test
  make
  # packaging tests: lintian on the .deb; Node's npm fetches the Kubernetes
  # schema validator (tests/packaging/k8s)
  lintian
  # benchmarks
  wrk hey hyperfine jq time linux-perf valgrind
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
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
