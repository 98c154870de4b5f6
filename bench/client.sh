#!/usr/bin/env bash
# Measures the terminal client against the bars of issue 11 and writes docs/benchmarks-client.md:
# idle CPU and bytes written, key-to-screen latency, a flood of 10,000 messages at 1,000/s (CPU, typing latency
# while it runs, the last message on screen) and the time to the first frame, all in tmux (100x30).
#   bench/client.sh                 the client of this tree
#   bench/client.sh --before REF    also the client of git REF (e.g. a commit before the Terminal.Gui move), side by side
# Needs tmux and python3. Release builds; the server of this tree, without history, flood control out of the way.
set -euo pipefail
cd "$(dirname "$0")/.."
before=""
if [ "${1:-}" = "--before" ]; then before="$2"; fi
out=$(mktemp -d)
dotnet build -c Release TcpChat.Tui -o "$out/new" >/dev/null
dotnet build -c Release TcpChat.Server -o "$out/server" >/dev/null
results=()
if [ -n "$before" ]; then
  git worktree add -f "$out/before-src" "$before" >/dev/null 2>&1
  dotnet build -c Release "$out/before-src/TcpChat.Tui" -o "$out/before" >/dev/null
  results+=("$(python3 bench/client.py "$out/before/tcpchat.dll" "$out/server/tcpchat-server.dll" "before ($before)")")
  git worktree remove --force "$out/before-src"
fi
results+=("$(python3 bench/client.py "$out/new/tcpchat.dll" "$out/server/tcpchat-server.dll" "after ($(git rev-parse --short HEAD))")")
python3 - "$out" "${results[@]}" <<'PY' > docs/benchmarks-client.md
import json, sys, platform, os
rows = [json.loads(r) for r in sys.argv[2:]]
bars = [
    ("idle_cpu_s_per_10s", "Idle: CPU per 10 s", "≤ 0.05 s"),
    ("idle_bytes_per_10s", "Idle: bytes written to the terminal per 10 s", "0"),
    ("key_to_screen_ms_median", "Key to screen, median (ms)", "≤ 20"),
    ("key_to_screen_ms_p90", "Key to screen, 90th percentile (ms)", ""),
    ("flood_cpu_s", "Flood (10,000 msgs at 1,000/s): client CPU (s)", "≤ the client before"),
    ("flood_seconds", "Flood: until the last message is on screen (s)", ""),
    ("flood_key_to_screen_ms_median", "Flood: key to screen while it runs, median (ms)", "≤ 20"),
    ("flood_key_to_screen_ms_max", "Flood: key to screen while it runs, worst (ms)", ""),
    ("first_frame_ms", "First frame after start (ms)", "≤ 1000"),
]
print("# The terminal client against the bars of issue 11\n")
print("Written by `bench/client.sh" + (" --before …" if len(rows) > 1 else "") + "` (Release builds, tmux 100x30, the server of this tree on")
print("loopback). Key to screen is measured as a user sees it: from `tmux send-keys` until `tmux capture-pane` shows the")
print("letter in the input line, so it includes tmux's own latency (polling every 2 ms).\n")
print("| bar | goal | " + " | ".join(r["client"] for r in rows) + " |")
print("|---|---|" + "---|" * len(rows))
for key, name, goal in bars:
    print(f"| {name} | {goal} | " + " | ".join(str(r.get(key, "")) for r in rows) + " |")
print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, load average at the end {open('/proc/loadavg').read().split()[0]}.")
PY
rm -rf "$out"
cat docs/benchmarks-client.md
