#!/bin/sh
# Usage: check_cxx_plugin.sh PLUGIN.so -- the C++ plugin exports C names.
set -eu
syms=$(nm -D --defined-only "$1")
echo "$syms"
for s in golo_trigger golo_plugin_magic; do
  echo "$syms" | grep -q " T $s\$" || { echo "$1 lacks unmangled $s"; exit 1; }
done
