"""What the Python wire tests share: stubs generated from proto/golo.proto at
test time, golo-hosts started on free ports and stopped by SIGTERM, and a
tally of checks that prints 'N passed, N failed'."""
import os
import re
import shutil
import signal
import subprocess
import sys


def fresh_work_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def load_stubs(proto, work):
    """Generates golo_pb2 and golo_pb2_grpc into WORK/gen; returns the
    modules (grpc, golo_pb2, golo_pb2_grpc)."""
    gen = os.path.join(work, "gen")
    os.makedirs(gen, exist_ok=True)
    from grpc_tools import protoc
    if protoc.main(["protoc", "-I" + os.path.dirname(proto), "--python_out=" + gen,
                    "--grpc_python_out=" + gen, proto]) != 0:
        sys.exit("protoc failed on " + proto)
    sys.path.insert(0, gen)
    import grpc
    import golo_pb2
    import golo_pb2_grpc
    return grpc, golo_pb2, golo_pb2_grpc


class Hosts:
    """golo-hosts this test started, on free loopback ports."""

    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.processes = []

    def start(self, plugins, extra=(), name="host"):
        """Starts one with --plugins PLUGINS and EXTRA flags; returns its
        address. Its stderr goes to WORK/NAME.log."""
        log = open(os.path.join(self.work, name + ".log"), "w")
        p = subprocess.Popen([self.binary, "--listen", "127.0.0.1:0", "--plugins", plugins]
                             + list(extra),
                             stdout=subprocess.PIPE, stderr=log, text=True)
        self.processes.append(p)
        line = p.stdout.readline()
        m = re.match(r"listening on port (\d+)", line)
        if not m:
            self.stop_all(None)
            sys.exit("golo-host did not start (%r); see %s" % (line, log.name))
        return "127.0.0.1:" + m.group(1)

    def stop_all(self, checks):
        """SIGTERM to each; each must exit 0 within 15 s."""
        for p in self.processes:
            p.send_signal(signal.SIGTERM)
            try:
                code = p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                code = -1
            if checks:
                checks.check("host exits 0 on SIGTERM", code == 0, code)
        self.processes = []


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAILED: %s %s" % (name, detail))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)
