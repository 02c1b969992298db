"""HTTP/2 written by hand where grpcio cannot stall mid-message: calls that
declare a large gRPC message and send all of it but the last byte, as fast
as the host's flow control lets, and the worker's memory meanwhile. Shared
by python_attack_test.py and bench/stall."""
import os
import select
import socket
import struct
import time


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


def rss_mib(pid, field="VmRSS"):
    """The process's resident size in MiB; field="VmHWM" for its peak."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
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
