#!/usr/bin/python3
"""The control plane under attack (issue 19), against a real golo-host with
tokens: half-sent 16 MiB messages on the open health method, a flood of
Health.Watch streams, Runner.Run requests built to cost the host before it
refuses them, remote-target lists, a forged log line and /metrics fed by
long-named runs. HTTP/2 is written by hand here where grpcio cannot stall
mid-message. Prints 'N passed, N failed' and exits non-zero on a failure."""
import argparse
import os
import re
import select
import shutil
import socket
import struct
import threading
import time
import urllib.request

from grpc_client_support import Checks, Hosts, fresh_work_dir, load_stubs  # noqa: E402

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


def worker_pid(supervisor_pid):
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == supervisor_pid:
            return int(pid)
    return None


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


# --- HTTP/2 by hand: headers, then a message that never ends -------------

def frame(kind, flags, stream, payload=b""):
    return (struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) +
            struct.pack(">I", stream) + payload)


def literal(name, value):
    # HPACK: literal header field without indexing, new name, no Huffman.
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def stall_streams(addr, path, connections, streams, declared):
    """Opens CONNECTIONS x STREAMS calls of PATH, each declaring a message of
    DECLARED bytes and sending all of it but the last byte, as fast as the
    host's flow control lets. Returns (bytes sent, streams reset)."""
    host, port = addr.rsplit(":", 1)
    headers = (literal(b":method", b"POST") + literal(b":scheme", b"http") +
               literal(b":path", path) + literal(b":authority", b"golo") +
               literal(b"content-type", b"application/grpc") +
               literal(b"te", b"trailers"))
    conns = []
    for _ in range(connections):
        s = socket.create_connection((host, int(port)))
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0))
        c = {"sock": s, "buf": b"", "window": 65535, "initial": 65535,
             "streams": {}}
        for k in range(streams):
            sid = 1 + 2 * k
            s.sendall(frame(1, 4, sid, headers))
            # gRPC's prefix: not compressed, then the length.
            s.sendall(frame(0, 0, sid, b"\x00" + struct.pack(">I", declared)))
            c["streams"][sid] = {"left": declared - 1, "window": 65535 - 5}
        conns.append(c)
    sent = 0
    reset = 0
    chunk = b"\x00" * 16384
    last_progress = time.time()
    deadline = time.time() + 20
    while time.time() < deadline and time.time() - last_progress < 2:
        readable, _, _ = select.select([c["sock"] for c in conns], [], [], 0.05)
        for c in conns:
            if c["sock"] in readable:
                data = c["sock"].recv(1 << 20)
                if not data:
                    c["streams"] = {}
                    continue
                c["buf"] += data
            while len(c["buf"]) >= 9:
                n = int.from_bytes(c["buf"][:3], "big")
                if len(c["buf"]) < 9 + n:
                    break
                kind, flags = c["buf"][3], c["buf"][4]
                sid = struct.unpack(">I", c["buf"][5:9])[0] & 0x7fffffff
                payload = c["buf"][9:9 + n]
                c["buf"] = c["buf"][9 + n:]
                if kind == 4 and not flags & 1:  # SETTINGS
                    for i in range(0, len(payload), 6):
                        ident, value = struct.unpack(">HI", payload[i:i + 6])
                        if ident == 4:
                            for st in c["streams"].values():
                                st["window"] += value - c["initial"]
                            c["initial"] = value
                    c["sock"].sendall(frame(4, 1, 0))
                elif kind == 6 and not flags & 1:  # PING
                    c["sock"].sendall(frame(6, 1, 0, payload))
                elif kind == 8:  # WINDOW_UPDATE
                    inc = struct.unpack(">I", payload)[0] & 0x7fffffff
                    if sid == 0:
                        c["window"] += inc
                    elif sid in c["streams"]:
                        c["streams"][sid]["window"] += inc
                elif kind == 3 or (kind == 1 and flags & 1):  # RST or trailers
                    if c["streams"].pop(sid, None) is not None:
                        reset += 1
                elif kind == 7:  # GOAWAY
                    reset += len(c["streams"])
                    c["streams"] = {}
            for sid, st in list(c["streams"].items()):
                n = min(len(chunk), st["left"], st["window"], c["window"])
                if n <= 0:
                    continue
                try:
                    c["sock"].sendall(frame(0, 0, sid, chunk[:n]))
                except OSError:
                    c["streams"] = {}
                    break
                st["left"] -= n
                st["window"] -= n
                c["window"] -= n
                sent += n
                last_progress = time.time()
    return conns, sent, reset


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
    grown = rss_mib(worker) - before
    print("stalled health streams: %.1f MiB sent in %.1f s, %d streams cut, "
          "worker grew %.1f MiB (from %.1f MiB; --grpc-memory %d MiB)" %
          (sent / 1048576.0, time.time() - t0, reset, grown, before,
           MAX_MEMORY_MIB))
    # Before issue 19 all 96 x 16 MiB stayed (1,597 MiB). The quota makes
    # gRPC cut the stalled calls; what arrives before it does still counts
    # (docs/security.md has the figures).
    check("96 stalled 16 MiB health streams: gRPC cuts them",
          reset >= 90, reset)
    check("96 stalled 16 MiB health streams: the worker grows by less than "
          "768 MiB", grown < 768, "%.1f MiB" % grown)
    check("ListPlugins answers while they stall",
          list_plugins() == grpc.StatusCode.OK)
    for c in conns:
        c["sock"].close()

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

    def run(req, timeout=10):
        t = time.time()
        try:
            for _ in runner.Run(req, metadata=bearer("run"), timeout=timeout):
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
