#!/usr/bin/env bash
# What message history costs in fan-out throughput: builds Release, runs the server on loopback with history on (SQLite in
# a temporary data directory) and with --no-history (in memory), runs `tcpchat-bench burst` (the closed-loop fan-out)
# against each RUNS times, and writes docs/benchmarks-history.md with the machine, the commands, every run's figures and the ratio.
#
#   bench/history.sh                      # 3 runs each, defaults of tcpchat-bench burst (100 receivers, 20,000 messages)
#   RUNS=5 BENCH_ARGS="--receivers 50" bench/history.sh
#   BASELINE=<git revision> bench/history.sh   # also a server built from that revision (git archive), e.g. before history
#
# Not a test: CI does not run it. It sends traffic to 127.0.0.1 only and stops the servers it started.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
BENCH_ARGS=${BENCH_ARGS:-}
OUT=docs/benchmarks-history.md
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tcpchat-bench.XXXXXX")
SERVER_PID=""

cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2> /dev/null; then kill "$SERVER_PID"; wait "$SERVER_PID" 2> /dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "building Release..."
dotnet build -c Release --nologo -v q TcpChat.Server/TcpChat.Server.csproj > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
dotnet build -c Release --nologo -v q TcpChat.Bench/TcpChat.Bench.csproj >> "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
SERVER_DLL=TcpChat.Server/bin/Release/net10.0/tcpchat-server.dll
BENCH="dotnet TcpChat.Bench/bin/Release/net10.0/tcpchat-bench.dll burst"

if [[ -n "${BASELINE:-}" ]]; then
    echo "building the server of $BASELINE..."
    mkdir -p "$WORK/baseline"
    git archive "$BASELINE" | tar -x -C "$WORK/baseline"
    dotnet build -c Release --nologo -v q "$WORK/baseline/TcpChat.Server/TcpChat.Server.csproj" >> "$WORK/build.log" 2>&1 \
        || { cat "$WORK/build.log"; exit 1; }
fi

# start_server NAME DLL ARGS...: starts a server on a free loopback port; sets PORT.
# The per-address and flood limits off, as in bench/compare.sh: every client comes from 127.0.0.1 and the sender sends
# thousands of frames a second (with the defaults, the 21st connection is refused). Only the flags a server has.
limits_of() {
    local help flag limits=""
    help=$(timeout 30 dotnet "$1" --help 2>&1 || true)
    for flag in --max-connections-per-address --flood-burst --flood-rate; do
        grep -q -- "$flag " <<< "$help" && limits+=" $flag 1000000"
    done
    echo "$limits"
}

start_server() {
    local name=$1 dll=$2 limits
    shift 2
    limits=$(limits_of "$dll")
    # shellcheck disable=SC2086
    dotnet "$dll" --port 0 --bind 127.0.0.1 --server-name bench $limits "$@" > "$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 600); do
        PORT=$(grep -aoE 'Listening on 127\.0\.0\.1:[0-9]+' "$WORK/$name.log" | grep -oE '[0-9]+$' || true)
        [[ -n "$PORT" ]] && return 0
        kill -0 "$SERVER_PID" 2> /dev/null || { cat "$WORK/$name.log"; exit 1; }
        sleep 0.1
    done
    echo "server $name did not start"; exit 1
}

stop_server() {
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2> /dev/null || true
    SERVER_PID=""
}

# CPU seconds (user + system) the server process has used so far.
server_cpu() { awk -v t="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$SERVER_PID/stat"; }

# run_config NAME DLL ARGS...: one warm-up run (the same as the others, not counted: the JIT compiles the hot paths), then RUNS
# benchmark runs against one server; appends "NAME run msgs/s deliveries/s seconds server-cpu-seconds" to ROWS.
declare -a ROWS=()
run_config() {
    local name=$1 dll=$2
    shift 2
    start_server "$name" "$dll" "$@"
    # shellcheck disable=SC2086
    $BENCH --port "$PORT" --json $BENCH_ARGS > /dev/null
    for run in $(seq "$RUNS"); do
        before=$(server_cpu)
        # shellcheck disable=SC2086
        json=$($BENCH --port "$PORT" --json $BENCH_ARGS)
        cpu=$(awk -v a="$before" -v b="$(server_cpu)" 'BEGIN { printf "%.2f", b - a }')
        m=$(grep -oE '"messagesPerSecond":[0-9.]+' <<< "$json" | cut -d: -f2)
        d=$(grep -oE '"deliveriesPerSecond":[0-9.]+' <<< "$json" | cut -d: -f2)
        s=$(grep -oE '"seconds":[0-9.]+' <<< "$json" | cut -d: -f2)
        echo "$name run $run: $m messages/s, $d deliveries/s ($s s; server CPU $cpu s)"
        ROWS+=("$name $run $m $d $s $cpu")
    done
    stop_server
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
DATA="$WORK/data"
run_config history-on "$SERVER_DLL" --data-dir "$DATA"
DB_SIZE=$(du -sh "$DATA" | cut -f1)
run_config history-off "$SERVER_DLL" --no-history
if [[ -n "${BASELINE:-}" ]]; then
    run_config "baseline" "$WORK/baseline/TcpChat.Server/bin/Release/net10.0/tcpchat-server.dll"
fi

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
med_of() { printf '%s\n' "${ROWS[@]}" | awk -v n="$1" -v c="${2:-3}" '$1 == n { print $c }' | median; }
ON=$(med_of history-on)
OFF=$(med_of history-off)
RATIO=$(awk -v a="$ON" -v b="$OFF" 'BEGIN { printf "%.3f", a / b }')
COST=$(awk -v a="$ON" -v b="$OFF" 'BEGIN { printf "%.1f", (1 - a / b) * 100 }')

{
    echo "# Benchmark: what message history costs in fan-out throughput"
    echo
    echo "Written by \`bench/history.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); run it again to refresh this file."
    echo "Goal (issue 4): history costs less than 20% of fan-out throughput."
    echo
    echo "## Result"
    echo
    echo "Median messages/s with history on: **$ON**; with \`--no-history\`: **$OFF**."
    echo "Ratio on/off: **$RATIO**, so history costs **$COST%** of fan-out throughput."
    echo "Median server CPU per run (user + system): $(med_of history-on 6) s with history on, $(med_of history-off 6) s off."
    if [[ -n "${BASELINE:-}" ]]; then
        echo
        echo "For reference, the server of \`$BASELINE\` ($(git log -1 --format='%h %s' "$BASELINE")), built the same way:"
        echo "**$(med_of baseline)** messages/s, $(med_of baseline 6) s of server CPU per run."
    fi
    echo
    echo "## Machine"
    echo
    echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores (nproc)"
    echo "- Memory: $(free -h | awk '/^Mem:/ { print $2 }'); OS: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "- .NET SDK $(dotnet --version); the data directory on: $(df -hT "${TMPDIR:-/tmp}" | awk 'NR == 2 { print $2 " (" $1 ")" }')"
    echo "- Server, benchmark and the 101 connections share the machine: the benchmark's own parsing takes part of the CPU."
    echo "- Load average (1, 5, 15 min) before the runs: $LOAD_BEFORE; after: $LOAD_AFTER. Anything else running on the"
    echo "  machine shows in the figures: compare runs made on a quiet machine."
    echo
    echo "## Commands"
    echo
    echo '```'
    echo "dotnet build -c Release TcpChat.Server/TcpChat.Server.csproj; dotnet build -c Release TcpChat.Bench/TcpChat.Bench.csproj"
    echo "dotnet $SERVER_DLL --port 0 --bind 127.0.0.1 --server-name bench$(limits_of "$SERVER_DLL") --data-dir <temp dir>   # history on"
    echo "dotnet $SERVER_DLL --port 0 --bind 127.0.0.1 --server-name bench$(limits_of "$SERVER_DLL") --no-history            # history off"
    [[ -n "${BASELINE:-}" ]] && echo "git archive $BASELINE | tar -x -C <dir>; dotnet build -c Release; dotnet <dir>/TcpChat.Server/bin/Release/net10.0/tcpchat-server.dll --port 0 --bind 127.0.0.1 --server-name bench   # baseline"
    echo "$BENCH --port <port> --json $BENCH_ARGS   # $RUNS times against each server"
    echo '```'
    echo
    echo "\`burst\` (closed-loop fan-out): 100 receivers and 1 sender join a new room; the sender sends 20,000 messages of 128 bytes, at most"
    echo "1,000 ahead of the slowest receiver (and of its own echoes); the time runs from the first message sent until"
    echo "every receiver has all of them, in order, with no gap. deliveries/s = receivers x messages / time."
    echo "Each server first gets one warm-up run, not counted. Server CPU: what the server process used"
    echo "during the run (utime + stime from /proc), a steadier figure than the rate on a machine the benchmark shares."
    echo "History on: SQLite, WAL, synchronous=FULL, one transaction (one fsync) per batch of queued messages;"
    echo "the database ended at $DB_SIZE after all runs. History off: the same queue, kept in memory."
    echo
    echo "## Runs"
    echo
    echo "| server | run | messages/s | deliveries/s | seconds | server CPU, s |"
    echo "|---|---|---|---|---|---|"
    for row in "${ROWS[@]}"; do set -- $row; echo "| $1 | $2 | $3 | $4 | $5 | $6 |"; done
} > "$OUT"
echo "history on: $ON messages/s, off: $OFF messages/s, ratio $RATIO (cost $COST%); written to $OUT"
