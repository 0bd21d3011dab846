"""Traffic tools for the DSR scenarios (test scaffolding, run inside lab namespaces).

  udp-echo-server ADDR PORT        echo every datagram back, from ADDR (a DSR server must answer from the VIP)
  udp-echo-client ADDR PORT TEXT   send TEXT, print the answer (5 s timeout)
  sink-server PORT                 for each TCP connection: read to EOF, answer with the byte count
  upload-client ADDR PORT BYTES    send BYTES zero bytes, half-close, print the answer
"""
import socket
import sys

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
else:
    sys.exit("unknown mode " + mode)
