#!/usr/bin/env python3
"""A throttled TCP link for the attack suite's slow-viewer test: listens on 127.0.0.1 (port
printed on stdout), relays each connection to 127.0.0.1:TARGET_PORT, client->server at full
speed and server->client at most BYTES_PER_SEC.

Why not the Node fault proxy: Node cannot set SO_RCVBUF on a TCP socket, and with receive-buffer
autotuning (net.ipv4.tcp_rmem max is 32 MiB here) the proxy's kernel socket grew to megabytes in
about half of the runs, so the server's bytes piled up *between* the server and the proxy and the
server never saw its viewer late. A real slow link does not hold megabytes: here the upstream
socket's receive buffer is fixed (RCVBUF bytes, set before connect, which also turns autotuning
off), so back-pressure reaches the server within ~RCVBUF bytes.

usage: throttle_proxy.py TARGET_PORT BYTES_PER_SEC [RCVBUF]
"""
import socket
import sys
import threading
import time

target_port = int(sys.argv[1])
rate = int(sys.argv[2])
rcvbuf = int(sys.argv[3]) if len(sys.argv) > 3 else 32768
CHUNK = 4096


def pump(src, dst, limit):
    try:
        while True:
            data = src.recv(CHUNK if limit else 65536)
            if not data:
                break
            dst.sendall(data)
            if limit:
                time.sleep(len(data) / limit)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client):
    upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    upstream.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    try:
        upstream.connect(("127.0.0.1", target_port))
    except OSError:
        client.close()
        return
    threading.Thread(target=pump, args=(client, upstream, 0), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client, rate), daemon=True).start()


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(listener.getsockname()[1], flush=True)
while True:
    conn, _ = listener.accept()
    serve(conn)
