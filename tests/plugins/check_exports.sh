#!/bin/sh
# Usage: check_exports.sh DIR...
# Fails when a NAME.so in DIR exports a defined dynamic symbol that is not
# golo_*: hidden visibility must keep helpers (and static libs) private.
set -u
status=0
found=0
for dir in "$@"; do
  for so in "$dir"/*.so; do
    [ -f "$so" ] || continue
    # not_elf.so is deliberately not an object file.
    [ "$(basename "$so")" = not_elf.so ] && continue
    found=$((found + 1))
    extra=$(nm -D --defined-only "$so" | awk '{print $NF}' | grep -v '^golo_')
    if [ -n "$extra" ]; then
      echo "$so exports non-golo symbols:" $extra
      status=1
    fi
    if ! nm -D --defined-only "$so" | grep -q ' golo_plugin_magic$' &&
       [ "$(basename "$so")" != no_marker.so ] &&
       [ "$(basename "$so")" != constructor_no_marker.so ]; then
      echo "$so lacks golo_plugin_magic"
      status=1
    fi
  done
done
if [ "$found" -eq 0 ]; then
  echo "no plugins found in $*: build golo_example_plugins and golo_test_plugins"
  exit 1
fi
echo "checked $found plugins"
exit $status
