"""Traffic tools for the DSR scenarios (test scaffolding, run inside lab namespaces).

  udp-echo-server ADDR PORT        echo every datagram back, from ADDR (a DSR server must answer from the VIP)
  udp-echo-client ADDR PORT TEXT   send TEXT, print the answer (5 s timeout)
  sink-server PORT                 for each TCP connection: read to EOF, answer with the byte count
  upload-client ADDR PORT BYTES    send BYTES zero bytes, half-close, print the answer
  stream-server PORT NAME          for each TCP connection: answer every line with "NAME line"
  stream-client ADDR PORT COUNT DIR
                                   COUNT long-lived connections, each sending a line every 0.2 s once answered;
                                   DIR/progress holds "answered N" (streams answered and not failed); when
                                   DIR/stop appears, every stream not failed must answer once more within 20 s,
                                   then one line per stream: "PORT BACKEND ANSWERS VERDICT" (alive, reset, closed,
                                   stalled, switched), and "done"
"""
import os
import selectors
import socket
import sys
import threading
import time

mode = sys.argv[1]
if mode == "udp-echo-server":
    s = socket.socket(socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3])))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)
elif mode == "udp-echo-client":
    s = socket.socket(socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3])))
    print(s.recvfrom(65535)[0].decode())
elif mode == "sink-server":
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", int(sys.argv[2])))
    s.listen(16)
    while True:
        c, _ = s.accept()
        c.settimeout(30)
        total = 0
        try:
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                total += len(chunk)
            c.sendall(str(total).encode())
        except OSError:
            pass
        c.close()
elif mode == "upload-client":
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=30)
    s.sendall(bytes(int(sys.argv[4])))
    s.shutdown(socket.SHUT_WR)
    answer = b""
    while True:
        chunk = s.recv(100)
        if not chunk:
            break
        answer += chunk
    print(answer.decode())
elif mode == "stream-server":
    name = sys.argv[3].encode()
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", int(sys.argv[2])))
    s.listen(256)

    def serve(c):
        try:
            for line in c.makefile("rb"):
                c.sendall(name + b" " + line)
        except OSError:
            pass
        c.close()

    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
elif mode == "stream-client":
    addr, port, count, control = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    streams = []
    for i in range(count):
        c = socket.create_connection((addr, port), timeout=20)
        c.setblocking(False)
        streams.append({"sock": c, "port": c.getsockname()[1], "backend": None, "answers": 0, "verdict": None,
                        "pending": False, "buf": b"", "sent": 0.0, "n": 0})
    sel = selectors.DefaultSelector()
    for st in streams:
        sel.register(st["sock"], selectors.EVENT_READ, st)

    def fail(st, verdict):
        st["verdict"] = verdict
        sel.unregister(st["sock"])
        st["sock"].close()

    def send(st, now):
        try:
            st["sock"].send(b"%d\n" % st["n"])
            st["pending"], st["sent"] = True, now
            st["n"] += 1
        except ConnectionResetError:
            fail(st, "reset")
        except OSError:
            fail(st, "closed")

    def receive(timeout):
        for key, _ in sel.select(timeout=timeout):
            st = key.data
            try:
                data = st["sock"].recv(4096)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                fail(st, "reset")
                continue
            except OSError:
                fail(st, "closed")
                continue
            if not data:
                fail(st, "closed")
                continue
            st["buf"] += data
            while b"\n" in st["buf"]:
                line, st["buf"] = st["buf"].split(b"\n", 1)
                backend = line.split()[0].decode()
                if st["backend"] not in (None, backend):
                    st["verdict"] = "switched"
                st["backend"] = backend
                st["answers"] += 1
                st["pending"] = False

    def write_progress():
        answered = sum(1 for st in streams if st["answers"] > 0 and st["verdict"] is None)
        with open(control + "/progress.tmp", "w") as f:
            f.write("answered %d\n" % answered)
        os.rename(control + "/progress.tmp", control + "/progress")

    last_progress = 0.0
    while not os.path.exists(control + "/stop"):
        now = time.monotonic()
        for st in streams:
            if st["verdict"] is None and not st["pending"] and now - st["sent"] >= 0.2:
                send(st, now)
        receive(0.05)
        if now - last_progress > 0.5:
            write_progress()
            last_progress = now
    # The last word: every stream still open answers once more, or it is stalled.
    marks = {id(st): st["answers"] for st in streams}
    deadline = time.monotonic() + 20
    for st in streams:
        if st["verdict"] is None and not st["pending"]:
            send(st, time.monotonic())
    while time.monotonic() < deadline and any(st["verdict"] is None and st["answers"] == marks[id(st)] for st in streams):
        receive(0.1)
    for st in streams:
        verdict = st["verdict"] or ("alive" if st["answers"] > marks[id(st)] else "stalled")
        print(st["port"], st["backend"], st["answers"], verdict)
    print("done")
else:
    sys.exit("unknown mode " + mode)
