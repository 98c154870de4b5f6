"""The little of the NATS client protocol bench/cluster_probe.py needs, over a plain socket (no client library)."""
import json, socket, time


class Nats:
    def __init__(self, hostport, timeout=10.0):
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.next_sid = 1
        self.readline()  # INFO {...}
        self.send(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\nPING\r\n')
        while self.readline() != b"PONG":
            pass

    def send(self, data):
        self.sock.sendall(data)

    def readline(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("nats-server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def readbytes(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("nats-server closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def sub(self, subject):
        sid = self.next_sid
        self.next_sid += 1
        self.send(f"SUB {subject} {sid}\r\n".encode())
        return sid

    # PUB <subject> [reply-to] <#bytes>\r\n[payload]\r\n
    def pub(self, subject, payload, reply=None):
        head = f"PUB {subject} {reply + ' ' if reply else ''}{len(payload)}\r\n".encode()
        self.send(head + payload + b"\r\n")

    def next_msg(self):
        """(subject, payload, arrival time) of the next MSG or HMSG; answers PING, skips +OK and the like."""
        while True:
            line = self.readline()
            if line == b"PING":
                self.send(b"PONG\r\n")
                continue
            parts = line.split(b" ")
            if parts[0] == b"MSG":  # MSG <subject> <sid> [reply-to] <#bytes>
                payload = self.readbytes(int(parts[-1]))
                return parts[1].decode(), payload, time.perf_counter()
            if parts[0] == b"HMSG":  # HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>
                data = self.readbytes(int(parts[-1]))
                return parts[1].decode(), data[int(parts[-2]):], time.perf_counter()
            if parts[0] == b"-ERR":
                raise ConnectionError(line.decode())

    def request(self, subject, payload, inbox):
        self.pub(subject, payload, inbox)
        while True:
            subject_seen, data, _ = self.next_msg()
            if subject_seen == inbox:
                return json.loads(data) if data else {}
