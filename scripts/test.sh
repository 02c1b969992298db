#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs every test: the normal build,
# then AddressSanitizer+UBSan, then ThreadSanitizer on the concurrency units.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

failed=0
passed=0
run_ctest() {  # dir, extra ctest args...
  local dir=$1; shift
  local log="$dir/ctest.log"
  if ctest --test-dir "$dir" -j2 --output-on-failure --timeout 600 "$@" 2>&1 | tee "$log"; then :; fi
  local p f
  p=$(sed -n 's/.* tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2 \1/p' "$log" | awk '{print $1-$2}')
  f=$(sed -n 's/.* tests passed, \([0-9]*\) tests failed out of.*/\1/p' "$log")
  if [[ -z $p || -z $f ]]; then
    echo "no test summary from ctest in $dir"; failed=$((failed + 1)); return
  fi
  passed=$((passed + p)); failed=$((failed + f))
}

# The tree is kept clang-format clean (.clang-format): one check, failed by
# any file that is not, named with the command that fixes it.
echo "== clang-format"
unformatted=$(git ls-files '*.c' '*.cc' '*.cpp' '*.h' |
  while IFS= read -r f; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"
  done)
if [[ -z $unformatted ]]; then
  echo "clang-format: every C and C++ file is clean"; passed=$((passed + 1))
else
  echo "not clang-format clean (run clang-format -i on them):"; echo "$unformatted"
  failed=$((failed + 1))
fi

# No function over 80 lines in host/, cli/, agent/, wire/ but those listed in
# scripts/function_size.allow, which may only shrink (about a second).
echo "== function size"
if scripts/function_size.py; then
  echo "function size: none over 80 lines but the listed"; passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

echo "== build (RelWithDebInfo) and test"
scripts/build.sh release
run_ctest build/release

echo "== AddressSanitizer + UBSan"
scripts/build.sh asan -DGOLO_SANITIZE=address -DGOLO_BUILD_BENCH=OFF
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
run_ctest build/asan

echo "== ThreadSanitizer: registry and executor unit tests"
scripts/build.sh tsan -DGOLO_SANITIZE=thread -DGOLO_BUILD_BENCH=OFF -- host_unit_tests agent_tests agent_fiber_tests
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
run_ctest build/tsan -L tsan

echo
echo "(normal, ASan+UBSan and TSan runs together)"
echo "total: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
