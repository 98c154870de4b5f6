#!/usr/bin/env bash
# Issue 17's measurements: the default room at scale. Builds Release, then runs, one after another:
#   1. idle, 6,000 clients, without a default room and with #lobby (accepts/s and memory per connection);
#   2. storm, N clients into #lobby (N=19,500 by default: the box's open-file limit is 20,000 for server and
#      load generator alike), everyone leaves, RSS a minute later;
#   3. storm, 10,000 clients: the reconnect storm after a restart.
# Prints each command and its table; docs/benchmarks-bigroom.md holds a run's output. Usage: bench/bigroom.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIG=${BIG:-19500}
STORM=${STORM:-10000}
STORMS=${STORMS:-"$STORM $BIG"}
IDLE=${IDLE:-1} # 0: the storms only
PORT=${PORT:-17917}
dotnet build -c Release TcpChat.Server > /dev/null
dotnet build -c Release TcpChat.Bench > /dev/null
SERVER="dotnet TcpChat.Server/bin/Release/net10.0/tcpchat-server.dll --port $PORT --bind 127.0.0.1 --no-history --max-connections-per-address 30000"
BENCH="dotnet TcpChat.Bench/bin/Release/net10.0/tcpchat-bench.dll"

load() { echo "$(date -u +%H:%M:%S) UTC, load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"; }

for room in "--default-room ''" ""; do
    [[ $IDLE == 1 ]] || break
    load
    echo "\$ $SERVER $room"
    # exec: the background job becomes the server itself, so $! is the server's pid.
    eval "exec $SERVER $room" > /tmp/bigroom-server.log 2>&1 &
    pid=$!
    for _ in $(seq 300); do grep -q "Listening on" /tmp/bigroom-server.log && break; sleep 0.1; done
    cmd="$BENCH idle --port $PORT --server-pid $pid --connections 6000 --per-address 5000 --concurrency 100 --settle-seconds 15 -q"
    echo "\$ $cmd"
    $cmd || true
    kill "$pid" || true; wait "$pid" || true
    echo
done

for n in $STORMS; do
    load
    cmd="$BENCH storm --port $PORT --clients $n --per-address 5000 --concurrency 200 --leave-seconds 60 -q --server-command \"$SERVER\""
    echo "\$ $cmd"
    eval "$cmd" || true
    echo
done
load
