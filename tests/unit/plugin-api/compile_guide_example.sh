#!/bin/sh
# Usage: compile_guide_example.sh REPO CC
# Compiles the first C example of docs/plugin-guide.md with the guide's own
# command line, so the guide cannot drift from plugin.h unnoticed.
set -eu
repo=$1
cc=${2:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/^```c$/ {on = 1; next} on && /^```$/ {exit} on {print}' \
  "$repo/docs/plugin-guide.md" >"$tmp/collatz.c"
[ -s "$tmp/collatz.c" ] || { echo "no C example in the guide"; exit 1; }
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror -shared -fPIC \
  -I "$repo/plugin-api/include" "$tmp/collatz.c" -o "$tmp/collatz.so"
syms=$(nm -D --defined-only "$tmp/collatz.so")
echo "$syms"
for s in golo_plugin_magic golo_trigger golo_init golo_shutdown; do
  echo "$syms" | grep -q " T $s\$" || { echo "collatz.so lacks $s"; exit 1; }
done
