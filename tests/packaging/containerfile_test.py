#!/usr/bin/env python3
"""packaging/Containerfile, read as a builder reads it (no container engine
runs here). Proves: two stages, the first building from the source tree on
debian:12 with the project's setup script, the second on debian:12-slim
taking only the first stage's .deb (nothing built on the machine that runs
the build), installing it with apt (so the package's Depends, which
deb_test.sh checks against ldd, bring every runtime library) plus
ca-certificates; a numeric non-root USER equal to the Kubernetes
manifests' runAsUser/runAsGroup; and one plugins directory shared with the
systemd unit, the manifests and golo-host's default. Does not prove that
the image builds or runs: that takes an engine (README: podman build).

containerfile_test.py SOURCE_DIR"""
import re
import shlex
import sys
from pathlib import Path

src = Path(sys.argv[1])
errors = []


def check(cond, msg):
    if not cond:
        errors.append(msg)


def instructions(text):
    """(keyword, argument) per instruction; continuations joined."""
    out, cur = [], ""
    for line in text.splitlines():
        if not cur and (not line.strip() or line.lstrip().startswith("#")):
            continue
        cur += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            kw, _, rest = cur.strip().partition(" ")
            out.append((kw.upper(), rest.strip()))
            cur = ""
    return out


cf = src / "packaging" / "Containerfile"
stages = []
for kw, arg in instructions(cf.read_text()):
    if kw == "FROM":
        stages.append({"from": arg, "steps": []})
    else:
        check(bool(stages), f"{kw} before any FROM")
        stages[-1]["steps"].append((kw, arg))

check(len(stages) == 2, f"want 2 stages (build, runtime), got {len(stages)}")
build, run = stages[0], stages[-1]
check(re.fullmatch(r"debian:12 AS build", build["from"], re.I) is not None,
      f"stage 1 must be 'FROM debian:12 AS build', is '{build['from']}'")
check(run["from"] == "debian:12-slim", f"stage 2 must be debian:12-slim, is '{run['from']}'")

build_runs = " ".join(a for k, a in build["steps"] if k == "RUN")
check("scripts/install-deps.sh --build-only" in build_runs,
      "stage 1 must install with scripts/install-deps.sh --build-only")
check("scripts/build.sh" in build_runs and "cpack -G DEB" in build_runs,
      "stage 1 must build (scripts/build.sh) and package (cpack -G DEB)")
check(("COPY", ". .") in build["steps"], "stage 1 must COPY the source tree (COPY . .)")
deps = (src / "scripts" / "install-deps.sh").read_text()
check("--build-only" in deps, "scripts/install-deps.sh does not handle --build-only")
for p in ("dpkg-dev", "file"):
    block = re.search(r"BUILD_PACKAGES=\((.*?)\n\)", deps, re.S)
    listed = re.sub(r"#.*", "", block.group(1)).split() if block else []
    check(p in listed,
          f"install-deps.sh's build packages lack {p} (cpack needs it)")

# Stage 2: only the first stage's output, nothing from the build context.
for kw, arg in run["steps"]:
    if kw in ("COPY", "ADD"):
        check(kw == "COPY" and arg.startswith("--from=build "),
              f"stage 2 takes files from outside the build stage: {kw} {arg}")
run_runs = " ".join(a for k, a in run["steps"] if k == "RUN")
install = re.search(r"apt-get install ([^&]*)", run_runs)
check(install is not None, "stage 2 installs nothing with apt-get")
if install:
    words = install.group(1).split()
    check("ca-certificates" in words, "stage 2 must install ca-certificates (https targets)")
    check("/tmp/golo_*.deb" in words, "stage 2 must apt-get install the .deb from stage 1")
    check("--no-install-recommends" in words, "stage 2: --no-install-recommends keeps it slim")
check("rm -rf /var/lib/apt/lists/*" in run_runs, "stage 2 must drop apt's lists")

users = [a for k, a in run["steps"] if k == "USER"]
check(len(users) == 1, f"stage 2 needs one USER, has {users}")
user = users[-1] if users else ""
m = re.fullmatch(r"(\d+):(\d+)", user)
check(m is not None and int(m.group(1)) != 0,
      f"USER must be a numeric non-root uid:gid (runAsNonRoot checks it), is '{user}'")
uid, gid = (int(m.group(1)), int(m.group(2))) if m else (None, None)
check(f"--uid {uid}" in run_runs and f"--gid {gid}" in run_runs,
      f"stage 2 must create the user {uid}:{gid}")


def exec_form(kw):
    for k, a in run["steps"]:
        if k == kw:
            return [s for s in re.findall(r'"([^"]*)"', a)]
    return []


entry = exec_form("ENTRYPOINT") + exec_form("CMD")
check(entry[:1] == ["/usr/bin/golo-host"], f"ENTRYPOINT must be /usr/bin/golo-host: {entry}")


def flag(argv, name):
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a[len(name) + 1:]
    return None


# One plugins directory everywhere.
plugins = flag(entry, "--plugins")
default = re.search(r'plugins_dir = "([^"]+)"',
                    (src / "host/src/options/host_options.h").read_text()).group(1)
unit = (src / "packaging/golo-host.service").read_text()
unit_start = shlex.split(re.search(r"^ExecStart=(.*)$", unit, re.M).group(1))
k8s = (src / "packaging/k8s/golo-host.yaml").read_text()
check(plugins == default, f"image serves {plugins}, golo-host's default is {default}")
check(flag(unit_start, "--plugins") == default,
      f"the unit serves {flag(unit_start, '--plugins')}, golo-host's default is {default}")
check(f"--plugins={default}" in k8s, f"packaging/k8s/golo-host.yaml does not serve {default}")
check(f"-d -o golo -g golo -m 0755 /var/lib/golo {default}" in run_runs,
      f"stage 2 must create {default} owned by the image's user")
check(plugins is not None and "/usr/lib/golo/plugins" in cf.read_text(),
      "the Containerfile must say where the example plugins are")

# The same uid/gid as the manifests, whose TLS and token paths it serves.
for manifest in ("golo-host.yaml", "golo-cli.yaml"):
    text = (src / "packaging/k8s" / manifest).read_text()
    check(f"runAsUser: {uid}" in text and f"runAsGroup: {gid}" in text,
          f"packaging/k8s/{manifest} does not run as {uid}:{gid}")
for f in ("--tls-cert", "--tls-key", "--tokens"):
    check(f"{f}={flag(entry, f)}" in k8s,
          f"image's {f}={flag(entry, f)} is not what packaging/k8s/golo-host.yaml passes")

# The build context leaves out build trees (they would go into the image).
ignore = (src / ".dockerignore").read_text().split()
check("build" in ignore and ".git" in ignore, ".dockerignore must leave out build and .git")

if errors:
    print("\n".join("FAIL: " + e for e in errors))
    sys.exit(1)
print(f"Containerfile: 2 stages, USER {uid}:{gid}, plugins in {plugins}: OK")
