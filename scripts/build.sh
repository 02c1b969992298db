#!/usr/bin/env bash
# Configures and builds golo into build/<name> (default: build/release).
# Usage: scripts/build.sh [name] [cmake args...] [-- targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-release}
shift || true
# ccache, when present, lets a rebuild of unchanged sources, even in a fresh
# clone elsewhere, reuse its objects: paths are taken relative to the tree.
if command -v ccache >/dev/null; then
  export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=1
  export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
fi
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
