#!/usr/bin/env bash
# Runs every test of TcpChat: protocol and server tests over real sockets, the netcat scripts against the real
# server binary, the tmux-driven tests of the terminal client, the web page in headless Chromium, and cluster nodes on
# real nats-server processes. Installs what the
# tests need when missing.
# Ends with one line: "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")"

missing=()
dpkg -s netcat-openbsd >/dev/null 2>&1 || missing+=(netcat-openbsd)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
# The browser tests (TcpChat.Tests/Web/BrowserTests.cs) drive Debian's Chromium; the fonts draw CJK and emoji.
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || missing+=(fonts-noto-color-emoji)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)     # the client's end-to-end test over SSH
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
# The cluster tests (TcpChat.Tests/Cluster/) start real nats-server processes with JetStream.
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { echo "could not install ${missing[*]}"; echo "tests: 0 passed, 1 failed"; exit 1; }
fi

log=$(mktemp)
dotnet test TcpChat.sln --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The summary line of each test assembly: "Passed!  - Failed:     0, Passed:    42, Skipped: ..."
sum() { grep -E '^(Passed|Failed)! ' "$log" | grep -Eo "$1: +[0-9]+" | awk '{ n += $2 } END { print n + 0 }'; }
passed=$(sum Passed); failed=$(sum Failed)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi # a build error or a crashed test host
rm -f "$log"
echo "tests: $passed passed, $failed failed"
exit "$status"
