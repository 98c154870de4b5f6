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
python3 bench/client_report.py "${results[@]}" > docs/benchmarks-client.md
rm -rf "$out"
cat docs/benchmarks-client.md
