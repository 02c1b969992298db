#!/bin/sh
# Installs the Kubernetes schema validator's npm packages (package.json and
# its lock beside this script) into DIR, once: a later run with the same
# lock file does nothing. Needs npm and the npm registry.
# install.sh DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=$1
if [ -d "$dir/node_modules/kubernetes-models" ] && cmp -s "$here/package-lock.json" "$dir/package-lock.json"; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm not found: run scripts/install-deps.sh" >&2; exit 1; }
mkdir -p "$dir"
cp "$here/package.json" "$here/package-lock.json" "$dir/"
cd "$dir"
npm ci --no-audit --no-fund --loglevel=error
