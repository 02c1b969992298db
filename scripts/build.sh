#!/usr/bin/env bash
# Configures and builds golo into build/<name> (default: build/release).
# Usage: scripts/build.sh [name] [cmake args...] [-- targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-release}
shift || true
cmake_args=()
targets=()
while (($#)); do
  if [[ $1 == -- ]]; then shift; targets=("$@"); break; fi
  cmake_args+=("$1"); shift
done
cmake -S . -B "build/$name" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cmake_args[@]}" >"build-$name.configure.log" 2>&1 \
  || { cat "build-$name.configure.log"; exit 1; }
rm -f "build-$name.configure.log"
if ((${#targets[@]})); then
  cmake --build "build/$name" -j"$(nproc)" --target "${targets[@]}"
else
  cmake --build "build/$name" -j"$(nproc)"
fi
