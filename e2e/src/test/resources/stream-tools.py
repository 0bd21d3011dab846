"""Long-lived TCP streams for the encapsulation-switch scenarios (test scaffolding, run inside lab namespaces).

  echo-server PORT                     echo every TCP connection back to its sender (any address, IPv4)
  stream-client ADDR PORT STOPFILE     one connection for as long as STOPFILE is absent: send CHUNK bytes of a
                                       running pattern, read the echo back and compare, ROUNDS_PER_S times a second,
                                       printing "progress N" every 10 round trips; then one line:
                                       rounds=N bytes=N max_gap_ms=N error=none|<what>

The chunk is larger than a segment, so the stream carries full-size segments both ways (MTU changes show up).
max_gap_ms is the longest time between two completed round trips: a stream that stalls (an MTU black hole,
lost packets waiting for retransmission) shows there; one that is reset ends with an error.
"""
import os
import socket
import sys
import threading
import time

CHUNK = 16384
ROUNDS_PER_S = 10


def echo(conn):
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)
    except OSError:
        pass
    finally:
        conn.close()


def echo_server(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def pattern(n):
    return bytes((n * 7 + i) & 0xFF for i in range(CHUNK))


def stream_client(addr, port, stop):
    rounds = 0
    max_gap = 0.0
    error = "none"
    try:
        s = socket.create_connection((addr, port), timeout=20)
        last = time.monotonic()
        while not os.path.exists(stop):
            want = pattern(rounds)
            s.sendall(want)
            got = b""
            while len(got) < CHUNK:
                part = s.recv(CHUNK - len(got))
                if not part:
                    raise ConnectionError("closed by the peer")
                got += part
            if got != want:
                raise ValueError("echo differs in round %d" % rounds)
            now = time.monotonic()
            max_gap = max(max_gap, now - last)
            last = now
            rounds += 1
            if rounds % 10 == 0:
                print("progress %d" % rounds, flush=True)
            time.sleep(1.0 / ROUNDS_PER_S)
        s.close()
    except Exception as e:  # report any failure, the scenario asserts on it
        error = type(e).__name__ + ":" + str(e).replace(" ", "_")
    print("rounds=%d bytes=%d max_gap_ms=%d error=%s" % (rounds, rounds * CHUNK * 2, max_gap * 1000, error), flush=True)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "echo-server":
        echo_server(int(sys.argv[2]))
    elif mode == "stream-client":
        stream_client(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit("unknown mode " + mode)
