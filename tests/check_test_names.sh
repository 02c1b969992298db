#!/bin/sh
# ctest runs each doctest case by name (doctest_discover_tests), and CMake
# cuts a name at ';' into pieces that match no case: doctest then runs none
# and passes. Fail on any such name, so that no test passes unrun.
status=0
for bin in "$@"; do
  names=$("$bin" --list-test-cases --no-version 2>/dev/null) || {
    echo "$bin: cannot list its test cases"
    status=1
    continue
  }
  bad=$(printf '%s\n' "$names" | grep -v '^\[doctest\]' | grep ';')
  if [ -n "$bad" ]; then
    printf '%s: a test case name holds ";", which ctest cannot run:\n%s\n' \
      "$bin" "$bad"
    status=1
  fi
done
exit $status
