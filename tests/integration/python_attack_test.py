#!/usr/bin/python3
"""The control plane under attack (issue 19), against a real golo-host with
tokens: half-sent 16 MiB messages on the open health method, a flood of
Health.Watch streams, Runner.Run requests built to cost the host before it
refuses them, remote-target lists, a forged log line and /metrics fed by
long-named runs. HTTP/2 is written by hand (http2_stall.py) where grpcio
cannot stall mid-message. Prints 'N passed, N failed' and exits non-zero on a failure."""
import argparse
import os
import re
import shutil
import socket
import threading
import time
import urllib.request

from grpc_client_support import Checks, Hosts, fresh_work_dir, load_stubs  # noqa: E402
from http2_stall import rss_mib, stall_streams, worker_pid  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--host-binary", required=True)
parser.add_argument("--proto", required=True)
parser.add_argument("--plugins", required=True)
parser.add_argument("--work", required=True)
args = parser.parse_args()

fresh_work_dir(args.work)
grpc, golo_pb2, golo_pb2_grpc = load_stubs(args.proto, args.work)

TOKENS = {"read": "attack-read-token-0001", "run": "attack-run-token-00002",
          "admin": "attack-admin-token-003"}
tokens_file = os.path.join(args.work, "tokens")
with open(os.open(tokens_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    for role, token in TOKENS.items():
        f.write("%s %s\n" % (role, token))
plugins = os.path.join(args.work, "plugins")
os.makedirs(plugins)
shutil.copy(os.path.join(args.plugins, "noop.so"), plugins)

MAX_MEMORY_MIB = 64
hosts = Hosts(args.host_binary, args.work)
checks = Checks()
check = checks.check


def bearer(role):
    return [("authorization", "Bearer " + TOKENS[role])]


try:
    supervisor_log = os.path.join(args.work, "attacked.log")
    addr = hosts.start(plugins, ["--tokens", tokens_file, "--grpc-memory",
                                 "%dMiB" % MAX_MEMORY_MIB, "--max-runs", "64",
                                 "--metrics", "127.0.0.1:0",
                                 "--health-listen", "127.0.0.1:0"], "attacked")
    supervisor = hosts.processes[-1]
    worker = worker_pid(supervisor.pid)
    check("the worker is found", worker is not None)
    channel = grpc.insecure_channel(addr)
    host_stub = golo_pb2_grpc.HostStub(channel)
    runner = golo_pb2_grpc.RunnerStub(channel)

    def list_plugins():
        try:
            host_stub.ListPlugins(golo_pb2.ListPluginsRequest(),
                                  metadata=bearer("read"), timeout=5)
            return grpc.StatusCode.OK
        except grpc.RpcError as e:
            return e.code()

    check("ListPlugins answers at first", list_plugins() == grpc.StatusCode.OK)
    before = rss_mib(worker)

    # 96 half-sent 16 MiB messages on the open health method, 4 connections.
    t0 = time.time()
    conns, sent, reset = stall_streams(addr, b"/grpc.health.v1.Health/Check",
                                       4, 24, 16 * 1024 * 1024)
    peak = rss_mib(worker, "VmHWM") - before
    grown = rss_mib(worker) - before
    print("stalled health streams: %.1f MiB sent in %.1f s, %d streams cut, "
          "worker grew %.1f MiB at the peak, %.1f MiB at the end (from "
          "%.1f MiB; --grpc-memory %d MiB)" %
          (sent / 1048576.0, time.time() - t0, reset, peak, grown, before,
           MAX_MEMORY_MIB))
    # Before issue 19 all 96 x 16 MiB stayed (1,597 MiB). gRPC 1.51 checks
    # the 16 KiB receive limit only once a message is whole, and keeps a
    # stream's window open for the length it declared: what bounds these
    # is the memory quota, which makes gRPC cut the calls, one at a time,
    # while the attacker keeps sending (docs/security.md, "Half-sent
    # messages": the peak follows what got in before the cuts).
    check("96 stalled 16 MiB health streams: gRPC cuts them",
          reset >= 90, reset)
    # The bounds are the plain build's: under AddressSanitizer the worker
    # runs ASan's allocator, whose shadow, redzones and per-size-class
    # caches make growth follow what was sent (210-413 MiB measured for
    # 235-433 MiB sent, however small its quarantine), and malloc_trim
    # gives nothing back. There the cut itself (above) is what is checked.
    with open("/proc/%d/maps" % worker) as maps:
        under_asan = "libasan" in maps.read()
    if not under_asan:
        # 110-520 MiB measured idle (what got in: 190-670 MiB); without
        # the quota 1,597.
        check("96 stalled 16 MiB health streams: the worker's peak grows by "
              "less than 1 GiB", peak < 1024, "%.1f MiB" % peak)
        # What the cut calls held is freed; glibc keeps it in its arenas
        # unless trimmed, and the idle worker trims (worker/idle_trim.h):
        # left are the quota and the calls not cut (55-95 MiB measured;
        # 75-490 MiB without the trim).
        deadline = time.time() + 5
        while grown >= 128 and time.time() < deadline:
            time.sleep(0.2)
            grown = rss_mib(worker) - before
        check("96 stalled 16 MiB health streams: within 5 s the worker is "
              "less than 128 MiB above where it was", grown < 128,
              "%.1f MiB" % grown)
    check("ListPlugins answers while they stall",
          list_plugins() == grpc.StatusCode.OK)
    for c in conns:
        c["sock"].close()

    # Every message a host receives is at most 16 KiB, whatever the method
    # and the caller's role: a whole 20 KiB one is refused before parsing.
    def code_of(call):
        try:
            call()
            return grpc.StatusCode.OK, ""
        except grpc.RpcError as e:
            return e.code(), e.details()
    raw = dict(request_serializer=lambda b: b,
               response_deserializer=lambda b: b)
    field_20k = b"\x0a\x80\xa0\x01" + b"x" * 20480  # field 1, 20 KiB
    for what, method, md in [
            ("Health/Check, no token", "/grpc.health.v1.Health/Check", []),
            ("ListPlugins, read token", "/golo.Host/ListPlugins",
             bearer("read"))]:
        code, details = code_of(lambda: channel.unary_unary(method, **raw)(
            field_20k, metadata=md, timeout=5))
        check("a 20 KiB %s request is refused" % what,
              code == grpc.StatusCode.RESOURCE_EXHAUSTED, (code, details))
    padded = ("job: {name: noop, users: 1, duration: 1s}\n" +
              "# padding\n" * 2500)  # 25 KiB
    code, details = code_of(lambda: list(runner.Run(
        golo_pb2.RunRequest(scheduleYaml=padded, checkOnly=True),
        metadata=bearer("run"), timeout=5)))
    print("a 25 KiB request in one Runner.Run message (an older golo run): "
          "%s: %s" % (code, details))
    check("a 25 KiB request in one Run message is refused",
          code == grpc.StatusCode.RESOURCE_EXHAUSTED, (code, details))

    # 600 Health.Watch streams hold no thread: ListPlugins still answers.
    # An empty HealthCheckRequest is zero bytes: no stubs needed.
    watch = channel.unary_stream("/grpc.health.v1.Health/Watch",
                                 request_serializer=lambda m: m,
                                 response_deserializer=lambda b: b)
    watches = [watch(b"") for _ in range(600)]
    time.sleep(0.5)
    check("600 Watch streams: ListPlugins answers",
          list_plugins() == grpc.StatusCode.OK)
    try:
        next(watches[0])
        watch_code = grpc.StatusCode.OK
    except grpc.RpcError as e:
        watch_code = e.code()
    check("Health.Watch is refused (probes use Check)",
          watch_code == grpc.StatusCode.UNIMPLEMENTED, watch_code)
    for w in watches:
        w.cancel()

    # The health-only port: Check alone, tiny messages, no reflection.
    with open(supervisor_log, errors="replace") as f:
        m = re.search(r"for probes\) on \S+ \(port (\d+)\)", f.read())
    check("the health port is in the log", m is not None)
    if m:
        probe = grpc.insecure_channel("127.0.0.1:" + m.group(1))

        def code(call):
            try:
                call()
                return grpc.StatusCode.OK
            except grpc.RpcError as e:
                return e.code()
        raw = dict(request_serializer=lambda b: b,
                   response_deserializer=lambda b: b)
        check_rpc = probe.unary_unary("/grpc.health.v1.Health/Check", **raw)
        reflect = probe.stream_stream(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            **raw)
        check("health port: Check answers SERVING",
              check_rpc(b"", timeout=5) == b"\x08\x01")
        check("health port: an 8 KiB request is refused",
              code(lambda: check_rpc(b"\x0a\x80\x40" + b"x" * 8192,
                                     timeout=5))
              == grpc.StatusCode.RESOURCE_EXHAUSTED)
        check("health port: no reflection",
              code(lambda: list(reflect(iter([b"\x3a\x00"]), timeout=5)))
              == grpc.StatusCode.UNIMPLEMENTED)
        probe.close()
    main_reflect = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        request_serializer=lambda b: b, response_deserializer=lambda b: b)
    answers = list(main_reflect(iter([b"\x3a\x00"]), metadata=bearer("read"),
                                timeout=5))
    check("serving port: reflection answers the read role",
          len(answers) == 1 and b"golo.Runner" in answers[0])

    def pieces(req, room=12 * 1024):
        """As golo run sends a request over one message: every field but
        the schedule, the data and env first, then their bytes (the
        schedules here are ASCII, so any cut is between characters)."""
        if req.ByteSize() <= 16 * 1024:
            return [req]
        first = golo_pb2.RunRequest()
        first.CopyFrom(req)
        for field in ("scheduleYaml", "dataCsv", "env"):
            first.ClearField(field)
        out = [first]
        for i in range(0, len(req.scheduleYaml), room):
            out.append(golo_pb2.RunRequest(
                scheduleYaml=req.scheduleYaml[i:i + room]))
        for i in range(0, len(req.dataCsv), room):
            out.append(golo_pb2.RunRequest(dataCsv=req.dataCsv[i:i + room]))
        return out

    def run(req, timeout=10):
        t = time.time()
        try:
            for _ in runner.RunStream(iter(pieces(req)), metadata=bearer("run"),
                                      timeout=timeout):
                pass
            code, details = grpc.StatusCode.OK, ""
        except grpc.RpcError as e:
            code, details = e.code(), e.details()
        return code, details, time.time() - t

    # Requests built to cost the host before it refuses them.
    thresholds = "".join('  - "p99 < %dms"\n' % (i + 1) for i in range(3000))
    scen = "".join("  s%d: *one\n" % i for i in range(3000))
    yaml = ("thresholds:\n" + thresholds + "x: &one {job: noop, users: 1, "
            "duration: 1s}\n")
    big = ("thresholds:\n" + thresholds + "scenarios:\n  s0: &one {job: noop, "
           "users: 1, duration: 1s}\n" + scen)
    tiny_nodes = "job: {name: noop, users: 1, duration: 1s}\nx: [" + \
        "1," * 500000 + "1]\n"
    floods = {
        "a 1 MiB schedule of tiny YAML nodes": golo_pb2.RunRequest(
            scheduleYaml=tiny_nodes, checkOnly=True),
        "thresholds x aliased scenarios": golo_pb2.RunRequest(
            scheduleYaml=big, checkOnly=True),
        "shareCount 4294967295": golo_pb2.RunRequest(
            scheduleYaml="job: {name: noop, users: 1, duration: 1s, data: "
                         "{file: d.csv}}\n",
            dataCsv=b"a\n1\n", shareCount=4294967295, shareIndex=7,
            checkOnly=True),
        "a 1.2 MiB CSV header": golo_pb2.RunRequest(
            scheduleYaml="job: {name: noop, users: 1, duration: 1s, data: "
                         "{file: d.csv}}\n",
            dataCsv=(",".join("c%d" % i for i in range(150000)) + "\n" +
                     ",".join("1" for _ in range(150000)) + "\n").encode(),
            checkOnly=True),
    }
    for name, req in floods.items():
        before = rss_mib(worker)
        code, details, took = run(req)
        grown = rss_mib(worker) - before
        print("%s: %s in %.2f s, worker grew %.1f MiB: %s" %
              (name, code, took, grown, details[:120]))
        check(name + ": refused", code == grpc.StatusCode.INVALID_ARGUMENT,
              code)
        check(name + ": within 1 s", took < 1.0, took)
        check(name + ": bounded memory", grown < 64, grown)

    # Runner.RunStream: the same request in pieces is taken; pieces past
    # 18 MiB in all, or a later piece with a first-only field, are not.
    code, details, _ = run(golo_pb2.RunRequest(scheduleYaml=padded,
                                               checkOnly=True))
    check("the 25 KiB request in pieces (RunStream) is taken",
          code == grpc.StatusCode.OK, (code, details))
    over = golo_pb2.RunRequest(
        scheduleYaml="job: {name: noop, users: 1, duration: 1s, data: "
                     "{file: d.csv}}\n", dataCsv=b"a\n" * (9 << 20),
        checkOnly=True)
    code, details, _ = run(over, timeout=60)
    print("19 MiB in pieces: %s: %s" % (code, details))
    check("19 MiB in pieces is refused by its size",
          code == grpc.StatusCode.RESOURCE_EXHAUSTED and
          "more than" in details, (code, details))
    late = [golo_pb2.RunRequest(scheduleYaml="job: {name: noop,"),
            golo_pb2.RunRequest(scheduleYaml=" users: 1, duration: 1s}\n",
                                remoteTarget="127.0.0.2:80")]
    code, details = code_of(lambda: list(runner.RunStream(
        iter(late), metadata=bearer("run"), timeout=5)))
    check("a later piece carrying a first-only field is refused",
          code == grpc.StatusCode.INVALID_ARGUMENT and "only the first piece"
          in details, (code, details))

    # Remote-target lists and schemes: refused before anything is dialled.
    trap = socket.socket()
    trap.bind(("127.0.0.2", 0))
    trap.listen(16)
    trap.setblocking(False)
    trap_port = trap.getsockname()[1]
    for target in ["ipv6:[::1]:1,[::ffff:127.0.0.2]:%d" % trap_port,
                   "ipv4:127.0.0.1:1,127.0.0.2:%d" % trap_port,
                   "ipv6:[::1]:1,[2001:db8::7]:80", "0x7f000002:%d" % trap_port]:
        code, details, _ = run(golo_pb2.RunRequest(
            scheduleYaml="job: {name: noop, users: 1, duration: 1s}\n",
            remoteTarget=target))
        check("remote target %s refused" % target,
              code == grpc.StatusCode.PERMISSION_DENIED, (code, details))
    time.sleep(0.3)
    try:
        trap.accept()
        dialled = True
    except BlockingIOError:
        dialled = False
    check("nothing dialled 127.0.0.2", not dialled)
    trap.close()

    # A forged log line: the file name is caller text.
    forged = "x.yaml\npush of evil (1 bytes, sha256 0) by admin at \x1b[31mipv4"
    run(golo_pb2.RunRequest(scheduleYaml="job: [", scheduleFile=forged))
    with open(supervisor_log, errors="replace") as f:
        log = f.read()
    check("a forged line does not start a log line",
          not re.search(r"^push of evil", log, re.M) and "\x1b" not in log)
    check("it is logged escaped", "x.yaml\\npush of evil" in log)

    # 40 long-named remote-target runs leave /metrics small.
    metrics_port = None
    for line in log.splitlines():
        m = re.search(r"Prometheus metrics on .*\(port (\d+)\)", line)
        if m:
            metrics_port = m.group(1)
    long_name = "n" * (256 * 1024)
    threads = [threading.Thread(target=run, args=(golo_pb2.RunRequest(
        scheduleYaml="job: {name: %s, users: 1, duration: 1s}\n" % long_name,
        remoteTarget=addr),)) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check("the /metrics port is in the log", metrics_port is not None)
    if metrics_port:
        body = urllib.request.urlopen(
            "http://127.0.0.1:%s/metrics" % metrics_port, timeout=10).read()
        print("/metrics after 40 long-named remote runs: %d bytes" % len(body))
        check("/metrics stays under 1 MB", len(body) < 1000000, len(body))
        check("remote runs share one label", b'job="_remote"' in body)
    channel.close()
finally:
    hosts.stop_all(checks)
checks.finish()
