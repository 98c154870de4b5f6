#!/usr/bin/env python3
"""Measures a tcpchat client build against the bars of issue 11, in tmux (see bench/client.sh)."""
import json, os, socket, statistics, subprocess, sys, threading, time

client_dll, server_dll, label = sys.argv[1], sys.argv[2], sys.argv[3]
SOCK = f"tcpchat-bench-{os.getpid()}"
TICK = os.sysconf("SC_CLK_TCK")

def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCK, "-f", "/dev/null", *args], capture_output=True, text=True).stdout

def screen():
    return tmux("capture-pane", "-p", "-t", "chat")

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime

def wait_for(cond, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = screen()
        if cond(s):
            return s
        time.sleep(0.002)
    raise SystemExit(f"{label}: timed out; screen:\n{screen()}")

def input_row(s):
    rows = s.rstrip("\n").split("\n")
    return rows[-1] if rows else ""

class Control:
    """
    A tmux control-mode client (tmux -C) attached to the session: one process for the whole run. Keys go in as
    commands on its stdin, and tmux reports every byte the client writes to its terminal as it reads it (%output), so
    a key's delay is measured with no process started per key and no polling: from the send-keys command until the
    client's output carries the letter. (Before 2026-12-02 each key started a `tmux send-keys` and the screen was
    polled with `tmux capture-pane`; those two process starts were 8-23 ms of each figure here.)
    """
    def __init__(self):
        self.proc = subprocess.Popen(["tmux", "-L", SOCK, "-f", "/dev/null", "-C", "attach", "-t", "chat"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.cond = threading.Condition()
        self.outputs = []  # (time, bytes) of each %output line
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith(b"%output "):
                with self.cond:
                    self.outputs.append((time.monotonic(), line.split(b" ", 2)[2]))
                    self.cond.notify_all()

    def command(self, text):
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()

    def key_delay(self, ch, timeout=30.0):
        """Sends one letter; ms until the client's output carries it."""
        with self.cond:
            seen = len(self.outputs)
        start = time.monotonic()
        self.command(f"send-keys -t chat -l {ch}")
        deadline = start + timeout
        with self.cond:
            while True:
                for t, data in self.outputs[seen:]:
                    if ch.encode() in data:
                        return (t - start) * 1000
                seen = len(self.outputs)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SystemExit(f"{label}: '{ch}' never came out; screen:\n{screen()}")
                self.cond.wait(left)

    def close(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(5)
        except Exception:
            self.proc.kill()

control = None

# Letters that neither the flood ("bob: flood 123", times, the status line) nor the escape sequences the clients
# write contain, so that one seen in the output is the typed one.
LETTERS = "zxjkvw"

keys_typed = 0

def key_to_screen(samples, prefix="[#lobby] "):
    """Types one letter at a time (each a different one from the last); the time from the key until the client has drawn it."""
    global keys_typed
    delays = []
    for _ in range(samples):
        delays.append(control.key_delay(LETTERS[keys_typed % len(LETTERS)]))
        keys_typed += 1
        if keys_typed % 40 == 0:  # keep the input short: clear it
            control.command("send-keys -t chat C-u")
            wait_for(lambda s: input_row(s).rstrip() == prefix.rstrip(), 30)
    return delays

# The server, on a port it picks.
server = subprocess.Popen(["dotnet", server_dll, "--port", "0", "--bind", "127.0.0.1", "--no-history",
                           "--flood-burst", "1000000", "--flood-rate", "1000000"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
port = None
for line in server.stdout:
    if "Listening on 127.0.0.1:" in line:
        port = int(line.rsplit(":", 1)[1].split()[0])
        break
threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()

env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "DisableRealDriverIO")}
result = {"client": label}
try:
    out_file = f"/tmp/{SOCK}.out"
    open(out_file, "w").close()
    pid_file = f"/tmp/{SOCK}.pid"
    cmd = f"echo $$ > {pid_file}; exec dotnet {client_dll} --host 127.0.0.1 --port {port} --nick ana"
    subprocess.run(["tmux", "-L", SOCK, "-f", "/dev/null", "new-session", "-d", "-s", "chat", "-x", "100", "-y", "30",
                    "-e", "LANG=C.UTF-8", "-e", "TERM=xterm-256color", "sh", "-c", f"while [ ! -e {pid_file}.go ]; do sleep 0.01; done; {cmd}"], env=env, check=True)
    # First frame: from the exec of the client to the first screen with its status line.
    open(pid_file + ".go", "w").close()
    start = time.monotonic()
    wait_for(lambda s: "| connected" in s or "| connecting" in s or "(no nick)" in s)
    result["first_frame_ms"] = round((time.monotonic() - start) * 1000)
    wait_for(lambda s: "ana joined #lobby" in s)
    pid = int(open(pid_file).read())
    if os.environ.get("FIRST_FRAME_ONLY"):
        raise StopIteration

    control = Control()
    # Idle: let the runtime settle, then 10 s of nothing.
    time.sleep(10)
    tmux("pipe-pane", "-t", "chat", "-o", f"cat >> {out_file}")
    time.sleep(0.5)
    size0, cpu0 = os.path.getsize(out_file), cpu_seconds(pid)
    time.sleep(10)
    result["idle_cpu_s_per_10s"] = round(cpu_seconds(pid) - cpu0, 3)
    result["idle_bytes_per_10s"] = os.path.getsize(out_file) - size0

    # Key to screen, idle.
    d = key_to_screen(40)
    result["key_to_screen_ms_median"] = round(statistics.median(d), 1)
    result["key_to_screen_ms_p90"] = round(sorted(d)[int(len(d) * 0.9)], 1)
    control.command("send-keys -t chat C-u")

    # Flood: 10,000 messages at 1,000/s from a peer; typing measured while it runs.
    peer = socket.create_connection(("127.0.0.1", port))
    peer.sendall(b"NICK bob\n")
    wait_for(lambda s: "bob joined #lobby" in s)
    drain = threading.Thread(target=lambda: [None for _ in iter(lambda: peer.recv(65536), b"")], daemon=True)
    drain.start()
    count = 10000
    cpu0 = cpu_seconds(pid)
    def flood():
        t0 = time.monotonic()
        for batch in range(count // 10):
            peer.sendall("".join(f"SEND #lobby :flood {batch * 10 + i + 1}\n" for i in range(10)).encode())
            pause = t0 + (batch + 1) * 0.010 - time.monotonic()
            if pause > 0:
                time.sleep(pause)
    flooding = threading.Thread(target=flood)
    t0 = time.monotonic()
    flooding.start()
    time.sleep(1)
    during = []
    while flooding.is_alive() and len(during) < 60:
        during += key_to_screen(1)
    flooding.join()
    wait_for(lambda s: f"bob: flood {count}" in s, 120)
    result["flood_seconds"] = round(time.monotonic() - t0, 1)
    result["flood_cpu_s"] = round(cpu_seconds(pid) - cpu0, 2)
    result["flood_last_message_on_screen"] = True
    result["flood_key_to_screen_ms_median"] = round(statistics.median(during), 1) if during else None
    result["flood_key_to_screen_ms_max"] = round(max(during), 1) if during else None
    result["flood_key_samples"] = len(during)
    peer.close()
except StopIteration:
    pass
finally:
    if control is not None:
        control.close()
    tmux("kill-server")
    server.kill()
    for f in (f"/tmp/{SOCK}.out", f"/tmp/{SOCK}.pid", f"/tmp/{SOCK}.pid.go"):
        try: os.remove(f)
        except OSError: pass
print(json.dumps(result))
