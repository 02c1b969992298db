#!/usr/bin/env bash
# The .deb as a user gets it: cpack builds it from the build tree, lintian
# finds no error, every file is where the docs say with the right mode, the
# binaries are stripped, Depends covers every library they load, and the
# installed tree works: its golo-host (finding its worker in
# /usr/lib/golo) serves the example plugins and a plugin built outside the
# source tree with `pkg-config --cflags golo-plugin` against the packaged
# header.
#
# deb_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$(realpath "$1") src=$(realpath "$2") work=$3
rm -rf "$work" && mkdir -p "$work" && work=$(realpath "$work")
fail() { echo "FAIL: $*" >&2; exit 1; }

# --- build it ---------------------------------------------------------------
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/out/golo_*.deb)
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"

# --- lintian: no errors (warnings are listed, not fatal) ---------------------
# (--display-info: the hardening tags for missing fortify or bindnow are
# only informational, and the build must not earn them either.)
if ! lintian --fail-on error --display-info --tag-display-limit 0 "$deb" >"$work/lintian.txt" 2>&1; then
  cat "$work/lintian.txt"; fail "lintian reports errors"
fi
grep -E '^[EW]:' "$work/lintian.txt" | sed 's/^/lintian: /' || true
if grep -E ' hardening-' "$work/lintian.txt"; then
  fail "lintian: built without dpkg-buildflags' hardening (cmake/GoloBuild.cmake)"
fi

# --- files, where the docs say, with their modes ------------------------------
dpkg-deb -c "$deb" >"$work/contents.txt"
expect() {  # mode path
  grep -qE "^$1 root/root +[0-9]+ [-0-9]+ [:0-9]+ \.$2\$" "$work/contents.txt" \
    || fail "$2 missing or not $1 root/root: $(grep -F " .$2" "$work/contents.txt" || echo absent)"
}
expect -rwxr-xr-x /usr/bin/golo-host
expect -rwxr-xr-x /usr/bin/golo
expect -rwxr-xr-x /usr/lib/golo/golo-host-worker
expect -rw-r--r-- /usr/include/golo/plugin.h
expect -rw-r--r-- /usr/share/pkgconfig/golo-plugin.pc
expect -rw-r--r-- /lib/systemd/system/golo-host.service
expect -rw-r--r-- /usr/share/doc/golo/copyright
expect -rw-r--r-- /usr/share/doc/golo/changelog.Debian.gz
expect -rw-r--r-- /usr/share/man/man1/golo.1.gz
expect -rw-r--r-- /usr/share/man/man1/golo-host.1.gz
expect -rw-r--r-- /usr/share/man/man1/golo-run.1.gz
for p in noop http_get abi_tour sleepy; do expect -rw-r--r-- "/usr/lib/golo/plugins/$p.so"; done
if grep -E '^d' "$work/contents.txt" | grep -vE '^drwxr-xr-x root/root'; then
  fail "directories not 0755 root/root"
fi

# --- control fields -------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Recommends) == *ca-certificates* ]] || fail "Recommends: $(field Recommends)"
# golo-run(1) documents golo run's flags, every --out type among them.
# (Read whole first: grep -q stops early, and under pipefail gzip's SIGPIPE
# would fail the pipeline.)
golo_run_man=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/man/man1/golo-run.1.gz | gzip -dc)
grep -q 'html=FILE' <<<"$golo_run_man" || fail "golo-run(1) does not list --out html=FILE"
[[ $(field Maintainer) =~ ^[^\<]+\ \<[^@\>]+@[^\>]+\>$ ]] || fail "Maintainer: $(field Maintainer)"
desc=$(field Description)
[[ $(wc -l <<<"$desc") -ge 5 ]] || fail "Description has no long part: $desc"
changelog_version=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/golo/changelog.Debian.gz \
  | gzip -dc | sed -n '1s/^golo (\([^)]*\)).*/\1/p')
[[ $changelog_version == "$(field Version)" ]] \
  || fail "changelog's latest entry is $changelog_version, the package is $(field Version): add a changelog entry"

# --- the installed tree ---------------------------------------------------------
stage=$work/stage
dpkg-deb -x "$deb" "$stage"
elves=()
while IFS= read -r f; do
  if file -b "$f" | grep -q '^ELF'; then elves+=("$f"); fi
done < <(find "$stage" -type f)
((${#elves[@]} >= 7)) || fail "only ${#elves[@]} ELF files in the package"
for f in "${elves[@]}"; do
  file -b "$f" | grep -q ', stripped' || fail "not stripped: ${f#"$stage"}"
done

# Hardened as dpkg-buildflags' hardening=+all makes it: every file bound
# now (-z now: BIND_NOW and FLAGS_1 NOW) with a read-only GOT (-z relro),
# and the programs call glibc's checked functions (_FORTIFY_SOURCE: some
# __*_chk imported).
for f in "${elves[@]}"; do
  dyn=$(readelf -d -W "$f")
  grep -qE '\(FLAGS\) +.*BIND_NOW' <<<"$dyn" || fail "no BIND_NOW in ${f#"$stage"} (built without -z now)"
  grep -qE '\(FLAGS_1\) +Flags:.* NOW' <<<"$dyn" || fail "no FLAGS_1 NOW in ${f#"$stage"}"
  grep -q GNU_RELRO <<<"$(readelf -l -W "$f")" || fail "no GNU_RELRO in ${f#"$stage"}"
done
for b in usr/bin/golo usr/bin/golo-host usr/lib/golo/golo-host-worker; do
  chk=$(readelf --dyn-syms -W "$stage/$b" | grep -cE ' UND +__[a-z0-9_]+_chk(@|$)' || true)
  ((chk > 0)) || fail "$b imports no __*_chk function (built without _FORTIFY_SOURCE)"
done
echo "hardened: BIND_NOW, RELRO on ${#elves[@]} files; fortified programs"

# Depends names the package of every library the binaries and plugins name,
# so `apt-get install ./golo_*.deb` (and the image, which does that on
# debian:12-slim) brings each one.
depends=$(field Depends)
depends_names=$(sed 's/ *([^)]*)//g; s/ *| */\n/g; s/, */\n/g' <<<"$depends")
# Each library an ELF file names (DT_NEEDED), where ldd finds it; what those
# load comes with their own packages' Depends. One dpkg -S for all (it is
# slow); usrmerge means a library may be known under /lib or /usr/lib.
declare -A needs=() owner=()
for f in "${elves[@]}"; do
  ldd "$f" >"$work/ldd.txt"
  for so in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    lib=$(sed -n "s/^[[:space:]]*$so => \(\/[^ ]*\) .*/\1/p" "$work/ldd.txt")
    [[ -n $lib ]] || fail "${f#"$stage"} needs $so, which ldd does not find"
    needs["${f#"$stage"} $lib"]=1
  done
done
mapfile -t libs < <(for k in "${!needs[@]}"; do echo "${k#* }"; done | sort -u)
while IFS= read -r line; do
  owner["${line#*: }"]=${line%%:*}
done < <(dpkg -S "${libs[@]}" $(realpath "${libs[@]}") 2>/dev/null || true)
for k in "${!needs[@]}"; do
  f=${k% *} lib=${k#* }
  pkg=${owner[$lib]:-${owner[$(realpath "$lib")]:-}}
  [[ -n $pkg ]] || fail "$f loads $lib, which no package owns"
  # The package itself, or a name it Provides (libspdlog1.10-fmt9).
  provides=$(dpkg-query -W -f='${Provides}' "$pkg" | sed 's/ *([^)]*)//g; s/, */\n/g')
  grep -qxF -f <(printf '%s\n' "$pkg" "$provides") <<<"$depends_names" \
    || fail "$f loads $lib from $pkg, which Depends does not name: $depends"
done
echo "Depends: $depends"

# --version from the packaged binaries, with the ABI of the packaged header.
abi=$(sed -n 's/^#define GOLO_ABI_VERSION \([0-9]*\).*/\1/p' "$stage/usr/include/golo/plugin.h")
minor=$(sed -n 's/^#define GOLO_ABI_MINOR \([0-9]*\).*/\1/p' "$stage/usr/include/golo/plugin.h")
upstream=$(field Version); upstream=${upstream%-*}
for b in usr/bin/golo usr/bin/golo-host usr/lib/golo/golo-host-worker; do
  got=$("$stage/$b" --version)
  [[ $got == "$(basename $b) $upstream (plugin ABI $abi.$minor)" ]] || fail "$b --version: $got"
done

# pkg-config: as installed the include dir is /usr/include, a system
# directory, so no flag at all; relocated to the staged tree, -I to it.
pc=$stage/usr/share/pkgconfig
[[ -z $(PKG_CONFIG_LIBDIR=$pc pkg-config --cflags golo-plugin | tr -d ' ') ]] \
  || fail "pkg-config --cflags golo-plugin as installed: $(PKG_CONFIG_LIBDIR=$pc pkg-config --cflags golo-plugin)"
cflags=$(PKG_CONFIG_LIBDIR=$pc pkg-config --define-variable=prefix="$stage/usr" --cflags golo-plugin)
[[ $cflags == *"-I$stage/usr/include"* ]] || fail "relocated cflags: $cflags"

# A plugin built outside the tree: a copy of the guide's example, the
# staged header only (no -I into the source tree).
mkdir -p "$work/plugins"
cp "$src/plugins/noop/noop.c" "$work/outside.c"
# shellcheck disable=SC2086 # cflags is a list of flags
cc -std=c99 -Wall -Wextra -pedantic -Werror -fvisibility=hidden -Wl,-z,defs -shared -fPIC \
  $cflags "$work/outside.c" -o "$work/plugins/outside.so"
cp "$stage"/usr/lib/golo/plugins/*.so "$work/plugins/"

# The staged golo-host finds its worker in ../lib/golo, as installed.
"$stage/usr/bin/golo-host" --listen 127.0.0.1:0 --plugins "$work/plugins" \
  >"$work/host.out" 2>"$work/host.log" &
host=$!
trap 'kill $host 2>/dev/null; wait $host 2>/dev/null || true' EXIT
port=
for _ in $(seq 300); do
  port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$work/host.out")
  [[ -n $port ]] && break
  kill -0 $host 2>/dev/null || { cat "$work/host.log"; fail "golo-host exited"; }
  sleep 0.05
done
[[ -n $port ]] || { cat "$work/host.log"; fail "golo-host did not serve"; }
grep -q "worker 1 started" "$work/host.log" || fail "no worker: $(cat "$work/host.log")"
"$stage/usr/bin/golo" trigger outside --host "127.0.0.1:$port" >"$work/trigger.json" \
  || fail "trigger outside: $(cat "$work/trigger.json")"
"$stage/usr/bin/golo" plugins --json --host "127.0.0.1:$port" >"$work/plugins.json"
python3 - "$work/plugins.json" <<'PY' || fail "plugins: $(cat "$work/plugins.json")"
import json, sys
d = json.load(open(sys.argv[1]))
jobs = sorted(p["job"] for p in d["plugins"])
assert jobs == ["abi_tour", "http_get", "journey", "noop", "outside", "shop", "sleepy"], jobs
assert d["failures"] == [], d["failures"]
PY
echo "staged golo-host served the example plugins and one built with pkg-config outside the tree"

# The HTML report from the packaged golo: Chart.js is compiled in, so
# nothing beyond the package's Depends is needed to write it.
printf 'version: job:latest\njob:\n  name: noop\n  users: 2\n  duration: 1s\n' >"$work/noop.yaml"
"$stage/usr/bin/golo" run --quiet --host "127.0.0.1:$port" --out "$work/results.json" \
  "$work/noop.yaml" >"$work/run.txt" 2>&1 || fail "golo run: $(cat "$work/run.txt")"
"$stage/usr/bin/golo" report "$work/results.json" --html "$work/report.html" 2>"$work/report.txt" \
  || fail "golo report: $(cat "$work/report.txt")"
grep -q 'Chart.js v3' "$work/report.html" || fail "report.html: Chart.js not inlined"
grep -q 'Permission is hereby granted' "$work/report.html" || fail "report.html: no Chart.js license"
echo "staged golo wrote an HTML report"
