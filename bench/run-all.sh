#!/usr/bin/env bash
# Installs the dependencies, builds golo (scripts/build.sh release, or
# GOLO_BUILD_DIR if set and built), and runs every benchmark in bench/*/,
# printing each one's Markdown table. About 8 minutes in all.
#
#   bench/run-all.sh              BENCH_REPS, BENCH_SECONDS apply to each
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [[ -z ${GOLO_BUILD_DIR:-} ]]; then
  echo "building build/release..."
  scripts/build.sh release >build.log 2>&1 || { tail -40 build.log; exit 1; }
fi
status=0
for b in rpc inprocess http memory fibers supervisor; do
  echo
  echo "## $b"
  bench/$b/run.sh || status=1
done
echo
echo "## inprocess profile"
bench/inprocess/profile.sh || status=1
echo
echo "## http profile"
bench/http/profile.sh || status=1
if [[ -x bench/reload/run.sh ]]; then
  echo
  echo "## reload"
  bench/reload/run.sh "${GOLO_BUILD_DIR:-build/release}" || status=1
fi
exit $status
