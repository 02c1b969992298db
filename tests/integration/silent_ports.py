#!/usr/bin/env python3
"""Two loopback ports that never answer, for golo's timeout messages
(cli_errors_test.cpp): SILENT accepts connections and never writes a byte;
FULL never accepts, and its backlog is full, so the kernel drops new
connections' SYNs and a connect times out. Prints "SILENT FULL" (the
ports) once both are ready, then holds them until killed."""
import socket
import sys
import threading
import time

silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(16)
held = []


def accept_forever():
    while True:
        conn, _ = silent.accept()
        held.append(conn)  # kept open, never written to


threading.Thread(target=accept_forever, daemon=True).start()

full = socket.socket()
full.bind(("127.0.0.1", 0))
full.listen(0)
port = full.getsockname()[1]
# Backlog 0 queues one connection; those beyond wait for SYN retries.
for _ in range(3):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    held.append(c)
time.sleep(0.2)

print(silent.getsockname()[1], port, flush=True)
while True:
    time.sleep(60)
