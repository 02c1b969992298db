#!/bin/sh
# Usage: compile_noop.sh REPO CC
# Runs the compile line plugin.h and docs/plugin-guide.md document, from the
# repository root, then checks the result exports the two required symbols.
set -eu
repo=$1
cc=${2:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$repo"
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror -shared -fPIC \
  -I "$repo/plugin-api/include" plugins/noop/noop.c -o "$tmp/noop.so"
syms=$(nm -D --defined-only "$tmp/noop.so")
echo "$syms"
for s in golo_trigger golo_plugin_magic; do
  echo "$syms" | grep -q " T $s\$" || { echo "noop.so lacks $s"; exit 1; }
done
