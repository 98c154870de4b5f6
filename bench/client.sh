#!/usr/bin/env bash
# Measures the terminal client against the bars of issue 11 and writes docs/benchmarks-client.md:
# idle CPU and bytes written, key-to-screen latency, a flood of 10,000 messages at 1,000/s (CPU, typing latency
# while it runs, the last message on screen) and the time to the first frame, all in tmux (100x30).
#   bench/client.sh                 the client of this tree
#   bench/client.sh --before REF    also the client of git REF (e.g. a commit before the Terminal.Gui move), side by side
# Needs tmux and python3. Each client is published as README says to install it (Release, ReadyToRun); the server of
# this tree, without history, flood control out of the way.
set -euo pipefail
cd "$(dirname "$0")/.."
before=""
if [ "${1:-}" = "--before" ]; then before="$2"; fi
out=$(mktemp -d)
publish() { dotnet publish "$1" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$2" >/dev/null; }
publish TcpChat.Tui "$out/new"
dotnet build -c Release TcpChat.Server -o "$out/server" >/dev/null
results=()
if [ -n "$before" ]; then
  git worktree add -f "$out/before-src" "$before" >/dev/null 2>&1
  publish "$out/before-src/TcpChat.Tui" "$out/before"
  results+=("$(python3 bench/client.py "$out/before/tcpchat.dll" "$out/server/tcpchat-server.dll" "before ($before)")")
  git worktree remove --force "$out/before-src"
fi
results+=("$(python3 bench/client.py "$out/new/tcpchat.dll" "$out/server/tcpchat-server.dll" "after ($(git rev-parse --short HEAD))")")
python3 bench/client_report.py "${results[@]}" > docs/benchmarks-client.md
rm -rf "$out"
cat docs/benchmarks-client.md
