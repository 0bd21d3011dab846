"""Which real server IPVS chooses for many flows (test scaffolding, run inside a lab namespace).

  maglev-flows.py SRC VIP[,VIP...] PORT_FROM COUNT

Opens COUNT TCP connections from SRC, source ports PORT_FROM.., to port 80 of every VIP (non-blocking: only the
SYN matters, IPVS schedules on it), then prints one line per IPVS connection: VIP, client port, real server.
The real servers need not exist; a flow IPVS refused has no line.
"""
import resource
import socket
import sys
import time

src, vips, first, count = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4])
resource.setrlimit(resource.RLIMIT_NOFILE, (65536, 65536))
sockets = []
for vip in vips:
    for port in range(first, first + count):
        s = socket.socket()
        s.setblocking(False)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, port))
        try:
            s.connect((vip, 80))
        except BlockingIOError:
            pass
        sockets.append(s)
time.sleep(0.5)


def address(hex_text):
    v = int(hex_text, 16)
    return ".".join(str((v >> shift) & 255) for shift in (24, 16, 8, 0))


with open("/proc/net/ip_vs_conn") as table:
    for line in table.read().splitlines()[1:]:
        f = line.split()  # Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires
        print(address(f[3]), int(f[2], 16), address(f[5]))
