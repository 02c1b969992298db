#!/usr/bin/python3
"""The shipped Kubernetes deployment starts (issue 19): lays out its Secret
volumes as the kubelet does (root-owned files of the manifest's defaultMode,
group fsGroup, behind ..data symlinks, on read-only mounts) and emptyDirs
(root:fsGroup, 2777), runs the manifest's init container's command as its
user, puts a plugin in the plugins directory as `golo push` would (the
host's user, 0644), then starts golo-host as the manifest's user and groups
with the manifest's own arguments (its paths under a scratch root), in a
network namespace of its own, so 0.0.0.0 is loopback alone. Health must
answer SERVING on the health port, and ListPlugins must list the plugin.
Needs root (mounts, setpriv); exits 77 (skipped) without it."""
import os
import re
import shutil
import socket
import subprocess
import sys
import time

golo_host, manifest, make_certs, work, plugin = sys.argv[1:6]
inner = len(sys.argv) > 6 and sys.argv[6] == "--inner"

if not inner:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        print("skipped: needs root and unshare")
        sys.exit(77)
    probe = subprocess.run(["unshare", "-m", "-n", "true"])
    if probe.returncode != 0:
        print("skipped: cannot make mount and network namespaces here")
        sys.exit(77)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    sys.exit(subprocess.run(["unshare", "-m", "-n", "--propagation", "private",
                             sys.executable, os.path.abspath(__file__)] +
                            sys.argv[1:6] + ["--inner"]).returncode)

text = open(manifest).read()
host_part = text.split("kind: StatefulSet", 1)[1]
uid = int(re.search(r"runAsUser: (\d+)", host_part).group(1))
gid = int(re.search(r"runAsGroup: (\d+)", host_part).group(1))
fs_group = int(re.search(r"fsGroup: (\d+)", host_part).group(1))
args = re.findall(r"^\s+- (--\S+)\s*$",
                  host_part.split("args:", 1)[1].split("env:", 1)[0], re.M)
modes = dict(re.findall(r"secretName: (\S+), defaultMode: (\d+)", host_part))
tmpdir = re.search(r"name: TMPDIR, value: (\S+)\}", host_part).group(1)
# The emptyDirs, by the path golo-host mounts each at; the init container's
# command, as written.
empty_names = re.findall(r"- name: (\S+)\n\s+emptyDir:", host_part)
mounts = dict(re.findall(r"\{name: (\S+), mountPath: (\S+)\}",
                         host_part.split("\n      containers:", 1)[1]))
empty_paths = [mounts[n] for n in empty_names]
init_command = [w.strip().strip('"') for w in re.search(
    r"initContainers:.*?command: \[([^\]]*)\]", host_part, re.S)
    .group(1).split(",")]
plugins_dir = re.search(r"--plugins=(\S+)", " ".join(args)).group(1)
print("manifest: uid %d gid %d fsGroup %d, args %s, secret modes %s, "
      "emptyDirs %s, init %s" % (uid, gid, fs_group, args, modes, empty_paths,
                                 init_command))

subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
root = os.path.join(work, "root")
certs = os.path.join(work, "certs")
subprocess.run([make_certs, certs], check=True, stdout=subprocess.DEVNULL)


def secret_volume(path, files, mode):
    """As the kubelet's atomic writer: a tmpfs holding a timestamped
    directory, ..data pointing at it and each key a symlink through ..data;
    files root-owned, group fsGroup; the mount made read-only."""
    os.makedirs(path)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", path], check=True)
    stamp = os.path.join(path, "..2026_12_06_10_00_00.000000001")
    os.mkdir(stamp)
    for name, data in files.items():
        f = os.path.join(stamp, name)
        with open(f, "wb") as out:
            out.write(data)
        os.chown(f, 0, fs_group)
        os.chmod(f, mode)
    os.symlink(os.path.basename(stamp), os.path.join(path, "..data"))
    for name in files:
        os.symlink(os.path.join("..data", name), os.path.join(path, name))
    subprocess.run(["mount", "-o", "remount,ro", path], check=True)


def empty_dir(path):
    os.makedirs(path)
    os.chown(path, 0, fs_group)
    os.chmod(path, 0o2777)


def read(name):
    return open(os.path.join(certs, name), "rb").read()


secret_volume(root + "/etc/golo/tls", {"tls.crt": read("server.pem"),
                                       "tls.key": read("server.key")},
              int(modes["golo-host-tls"]))
secret_volume(root + "/etc/golo/tokens",
              {"tokens": b"admin kubelet-layout-admin-token-0001\n"},
              int(modes["golo-host-tokens"]))
for path in empty_paths:
    empty_dir(root + path)
for d in [work, root, root + "/etc", root + "/etc/golo", root + "/var",
          root + "/var/lib", root + "/run"]:
    os.chmod(d, 0o755)


def as_manifest_user(command):
    return ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid,
            "--groups=%d" % fs_group, "--inh-caps=-all"] + command


def rooted_path(a):
    return re.sub(r"(^|=)(/(etc|var|run)/)", r"\1" + root + r"\2", a)


subprocess.run(as_manifest_user([rooted_path(a) for a in init_command]),
               check=True)
# As `golo push` leaves a plugin: the host's user's file, 0644.
placed = os.path.join(root + plugins_dir, "k8s_noop.so")
shutil.copy(plugin, placed)
os.chown(placed, uid, gid)
os.chmod(placed, 0o644)

rooted = [rooted_path(a) for a in args]
log = open(os.path.join(work, "golo-host.log"), "w")
env = dict(os.environ, TMPDIR=root + tmpdir)
p = subprocess.Popen(as_manifest_user([golo_host] + rooted),
                     stdout=subprocess.PIPE, stderr=log, env=env, text=True)
line = p.stdout.readline()
ok = line.startswith("listening on port")
health_ok = False
if ok:
    port = int(re.search(r"--health-listen=\S+:(\d+)", " ".join(args)).group(1))
    # grpc.health.v1.Health/Check with an empty request, by hand: HTTP/2
    # preface, headers, an empty message; SERVING is field 1 = 1.
    deadline = time.time() + 10
    while time.time() < deadline and not health_ok:
        try:
            import grpc  # noqa: E402
            ch = grpc.insecure_channel("127.0.0.1:%d" % port)
            check = ch.unary_unary("/grpc.health.v1.Health/Check",
                                   request_serializer=lambda m: m,
                                   response_deserializer=lambda b: b)
            health_ok = check(b"", timeout=2) == b"\x08\x01"
            ch.close()
        except Exception as e:  # noqa: BLE001
            print("health: %s" % e)
            time.sleep(0.5)
listed = b""
if health_ok:
    # Host.ListPlugins (an empty request) over TLS with the admin token; the
    # reply's bytes name the job.
    import grpc  # noqa: E402
    port = int(re.search(r"--listen=\S+:(\d+)", " ".join(args)).group(1))
    creds = grpc.ssl_channel_credentials(read("ca.pem"))
    ch = grpc.secure_channel("127.0.0.1:%d" % port, creds)
    try:
        listed = ch.unary_unary("/golo.Host/ListPlugins",
                                request_serializer=lambda m: m,
                                response_deserializer=lambda b: b)(
            b"", timeout=10, metadata=[
                ("authorization", "Bearer kubelet-layout-admin-token-0001")])
    except grpc.RpcError as e:
        print("ListPlugins: %s" % e)
    ch.close()
loaded = b"k8s_noop" in listed and b"unsafe" not in listed
p.terminate()
code = p.wait(timeout=20)
log.close()
print(open(os.path.join(work, "golo-host.log")).read()[-3000:])
print("started: %s (%r); health SERVING: %s; plugin loaded: %s (%r); exit %d"
      % (ok, line, health_ok, loaded, listed[:300], code))
sys.exit(0 if ok and health_ok and loaded and code == 0 else 1)
