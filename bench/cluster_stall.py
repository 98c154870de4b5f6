#!/usr/bin/env python3
"""
The stall when the nats-server leading TcpChat's stream dies (bench/cluster.sh; from the manual /tmp/stall.py of an
earlier helper). A 3-server engine (replicas 3) under running TcpChat nodes: a sender on one node sends RATE messages a
second into a room, a receiver on another node timestamps each delivery. After BEFORE seconds the stream's leader (the
server whose log last said "new stream leader for '$G > TCPCHAT'") is killed with SIGKILL; after AFTER more seconds the
run ends and the killed server is started again (same ports and directory: WORK/nats-sN/restart) for the next run.
For each run: the election as nats-server logs it (kill -> "new stream leader for TCPCHAT" on a survivor, and the
TCPCHAT consumer leaders elected meanwhile) versus the longest gap between two deliveries, the messages lost, and the
errors the sender got. Prints one JSON object.
Usage: bench/cluster_stall.py --work DIR --send-node 127.0.0.1:P1 --receive-node 127.0.0.1:P2 [--runs 3]
"""
import argparse, datetime, json, os, re, signal, socket, subprocess, threading, time

LOG_LINE = re.compile(r"^\[\d+\] (\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+) \[\w+\] (.*)$")
STREAM_LEADER = "JetStream cluster new stream leader for '$G > TCPCHAT'"
CONSUMER_LEADER = "JetStream cluster new consumer leader for '$G > TCPCHAT > "
# Server frames whose last argument is the byte length of a text on the next line (docs/PROTOCOL.md).
WITH_TEXT = {"MSG", "NAMES", "ERR", "BYE", "STATS", "PART", "QUIT"}


def log_events(path, text):
    """(time, server dir) of each log line of PATH containing TEXT."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = LOG_LINE.match(line.rstrip("\n"))
            if m and text in m.group(2):
                out.append(datetime.datetime.strptime(m.group(1), "%Y/%m/%d %H:%M:%S.%f"))
    return out


class Client:
    """A TcpChat client on a socket: NICK, JOIN, and a reader thread that timestamps every MSG of the room."""

    def __init__(self, hostport, nick, room):
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.room, self.buf, self.frames = room, b"", []
        self.messages, self.errors, self.closed = [], [], None
        self.sock.sendall(f"NICK {nick}\nJOIN {room}\n".encode())
        while not any(v == "HISTORY" and a[:1] == [room] for v, a, _ in self.frames):
            self.frames.append(self.read_frame())
        self.sock.settimeout(None)
        threading.Thread(target=self.pump, daemon=True).start()

    def read_line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def read_frame(self):
        parts = self.read_line().split(" ")
        text = None
        if parts[0] in WITH_TEXT and len(parts) > 1 and parts[-1].isdigit():
            n = int(parts[-1])
            while len(self.buf) < n + 1:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                self.buf += chunk
            text, self.buf = self.buf[:n].decode("utf-8", "replace"), self.buf[n + 1:]
        return parts[0], parts[1:], text

    def pump(self):
        try:
            while True:
                verb, args, text = self.read_frame()
                if verb == "MSG" and args[:1] == [self.room]:
                    self.messages.append((time.monotonic(), text))
                elif verb in ("ERR", "BYE"):
                    self.errors.append((time.monotonic(), " ".join(args) + " " + (text or "")))
        except (ConnectionError, OSError) as e:
            self.closed = str(e)

    def errors_seen(self):
        """Each distinct ERR or BYE, with how many times it came."""
        counts = {}
        for _, e in self.errors:
            counts[e.strip()] = counts.get(e.strip(), 0) + 1
        return [f"{n} x {e}" for e, n in counts.items()]

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def leader(work):
    """The server (s1..s3) whose log last announced TCPCHAT's stream leader, and when."""
    best = None
    for name in ("s1", "s2", "s3"):
        for t in log_events(os.path.join(work, f"nats-{name}", "log"), STREAM_LEADER):
            if best is None or t > best[1]:
                best = (name, t)
    return best


def restart(work, name):
    d = os.path.join(work, f"nats-{name}")
    args = open(os.path.join(d, "restart")).read().split()
    with open(os.path.join(d, "log"), "a") as log:
        p = subprocess.Popen(["nats-server", *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    with open(os.path.join(work, "restarted-pids"), "a") as f:
        f.write(f"{p.pid}\n")
    with open(os.path.join(d, "pid"), "w") as f:
        f.write(str(p.pid))
    return p


def one_run(a, run):
    room = f"#stall{os.getpid() % 1000}r{run}"
    receiver = Client(a.receive_node, f"stallr{run}", room)
    sender = Client(a.send_node, f"stalls{run}", room)
    who, _ = leader(a.work)
    stop = threading.Event()
    sent = [0]

    def send_loop():
        start, i = time.monotonic(), 0
        while not stop.is_set():
            due = start + i / a.rate
            if due > time.monotonic():
                time.sleep(min(0.01, due - time.monotonic()))
                continue
            sender.send(f"SEND {room} :m{i}\n".encode())
            i += 1
            sent[0] = i

    threading.Thread(target=send_loop, daemon=True).start()
    time.sleep(a.before)
    pid = int(open(os.path.join(a.work, f"nats-{who}", "pid")).read())
    killed_wall = datetime.datetime.now()
    killed = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    time.sleep(a.after)
    stop.set()
    # The backlog of the stall may still be arriving: wait until every message sent is received or refused, or nothing
    # more came for 5 s, so that "lost" means lost, not late.
    progress, last = time.monotonic(), -1
    while time.monotonic() - progress < 5:
        seen = len({text for _, text in receiver.messages}) + len(sender.errors)
        if seen >= sent[0]:
            break
        if seen != last:
            progress, last = time.monotonic(), seen
        time.sleep(0.1)
    survivors = [n for n in ("s1", "s2", "s3") if n != who]
    elected = sorted(t for n in survivors for t in log_events(os.path.join(a.work, f"nats-{n}", "log"), STREAM_LEADER) if t > killed_wall)
    consumers = sorted(t for n in survivors for t in log_events(os.path.join(a.work, f"nats-{n}", "log"), CONSUMER_LEADER) if t > killed_wall)
    times = [t for t, _ in receiver.messages]
    gaps = [(b - x, x) for x, b in zip(times, times[1:])]
    longest, gap_at = max(gaps) if gaps else (None, None)
    received = {text for _, text in receiver.messages}
    result = {
        "run": run, "killed": who, "rate": a.rate, "sent": sent[0], "received": len(received),
        "lost": sent[0] - len(received), "refused": len(sender.errors),
        # Neither received nor refused: a real loss. Negative: at least that many refused messages were delivered all the
        # same (the node gave up waiting for the engine's ack, but the engine had stored the message).
        "lostUntold": sent[0] - len(received) - len(sender.errors),
        "duplicates": len(receiver.messages) - len(received),
        "electionSeconds": round((elected[0] - killed_wall).total_seconds(), 3) if elected else None,
        "consumerElectionsSeconds": [round((t - killed_wall).total_seconds(), 3) for t in consumers],
        "longestGapSeconds": round(longest, 3) if longest is not None else None,
        "gapStartsAfterKillSeconds": round(gap_at - killed, 3) if gap_at is not None else None,
        "senderErrors": sender.errors_seen(), "receiverErrors": receiver.errors_seen(),
        "closed": sender.closed or receiver.closed,
    }
    sender.close()
    receiver.close()
    log = os.path.join(a.work, f"nats-{who}", "log")
    ready_before = open(log, errors="replace").read().count("Server is ready")
    p = restart(a.work, who)
    # Back in the cluster: its log says it is ready, then a few seconds for it to catch up on the stream.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and open(log, errors="replace").read().count("Server is ready") <= ready_before:
        time.sleep(0.1)
    time.sleep(a.settle)
    result["restartedPid"] = p.pid
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--send-node", required=True)
    ap.add_argument("--receive-node", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--before", type=float, default=3)
    ap.add_argument("--after", type=float, default=10)
    ap.add_argument("--settle", type=float, default=5)
    a = ap.parse_args()
    runs = [one_run(a, r) for r in range(1, a.runs + 1)]
    print(json.dumps({"workload": "stall", "runs": runs}))


if __name__ == "__main__":
    main()
