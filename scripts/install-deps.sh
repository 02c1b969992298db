#!/usr/bin/env bash
# Installs every Debian 12 package golo needs to build, test and benchmark.
# Idempotent: when everything is present it only checks, in well under a second.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config clang-format
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost-dev libspdlog-dev libfmt-dev doctest-dev libcurl4-openssl-dev
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  # tests: a second-language gRPC client, a real HTTP target (and a TLS
  # certificate for it, made by openssl), tools
  python3 python3-grpcio python3-grpc-tools python3-protobuf nginx-light curl procps openssl ca-certificates
  systemd
  # benchmarks
  wrk hey hyperfine jq time linux-perf valgrind
)

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
