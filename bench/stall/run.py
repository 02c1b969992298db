#!/usr/bin/python3
"""Memory a caller without a token can make a golo-host hold: 96 calls of
the open grpc.health.v1.Health/Check on 4 connections, each declaring a
16 MiB message and sending all of it but the last byte (issue 19). For
this build and, with --before DIR, another build side by side, alternating,
each on a fresh golo-host: the bytes the host let in, the calls gRPC cut,
and the worker's VmRSS growth. --memory sets the host's gRPC memory quota
flag (--grpc-memory; give its name with --memory-flag, e.g. --max-memory for builds before the rename).

  bench/stall/run.py [--build build/release] [--before /path/to/build]
                     [--reps 3] [--memory 64MiB]"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tests", "integration"))
from http2_stall import rss_mib, stall_streams, worker_pid  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--build", default=os.path.join(here, "..", "..", "build",
                                                "release"))
ap.add_argument("--before")
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--memory", default="64MiB")
ap.add_argument("--memory-flag", default="--grpc-memory")
args = ap.parse_args()


def one(build):
    work = tempfile.mkdtemp(prefix="golo-bench-stall.")
    plugins = os.path.join(work, "plugins")
    os.makedirs(plugins)
    shutil.copy(os.path.join(build, "plugins-out", "noop.so"), plugins)
    log = open(os.path.join(work, "host.log"), "w")
    p = subprocess.Popen([os.path.join(build, "host", "golo-host"), "--listen",
                          "127.0.0.1:0", "--plugins", plugins,
                          args.memory_flag, args.memory],
                         stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        m = re.match(r"listening on port (\d+)", p.stdout.readline())
        if not m:
            sys.exit("golo-host of %s did not start (%s)" % (build, log.name))
        worker = worker_pid(p.pid)
        time.sleep(0.5)
        before = rss_mib(worker)
        conns, sent, cut = stall_streams("127.0.0.1:" + m.group(1),
                                         b"/grpc.health.v1.Health/Check", 4,
                                         24, 16 * 1024 * 1024)
        grown = rss_mib(worker) - before
        for c in conns:
            c["sock"].close()
        return sent / 1048576.0, cut, grown
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


builds = [("this build", args.build)]
if args.before:
    builds.insert(0, ("before", args.before))
results = {name: [] for name, _ in builds}
for rep in range(args.reps):
    for name, build in builds:
        sent, cut, grown = one(build)
        results[name].append(grown)
        print("rep %d %-10s: %7.1f MiB let in, %2d of 96 calls cut, worker "
              "grew %6.1f MiB (load %s)" %
              (rep + 1, name, sent, cut, grown,
               open("/proc/loadavg").read().split()[0]), flush=True)
for name, grown in results.items():
    print("%-10s: worker growth median %.1f MiB (%s)" %
          (name, sorted(grown)[len(grown) // 2],
           ", ".join("%.0f" % g for g in grown)))
if args.before:
    a = sorted(results["before"])[len(results["before"]) // 2]
    b = sorted(results["this build"])[len(results["this build"]) // 2]
    print("this build / before: %.2f" % (b / a if a else float("nan")))
