#!/usr/bin/env bash
# Issue 14's measurements: TcpChat in cluster mode (three nodes on NATS JetStream) beside one TcpChat server.
# Builds Release, then for each system under test starts it (nats-server and nodes, or the single server), runs
#   (a) fan-out: 1 sender on the first node, RECEIVERS receivers round-robin over the nodes, rates RATES in turn;
#   (b) latency: LAT_RATE msg/s to LAT_RECEIVERS receivers spread the same way, p50/p99/max;
# and measures each process's CPU (tcpchat-bench --system-pids). Systems: a single server with SQLite history (the fair
# baseline: the cluster stores every message too) and with --no-history; 3 nodes on one nats-server (replicas 1); 3 nodes
# on three nats-servers (replicas 3). Then the JetStream publish->ack round trip (bench/cluster_probe.py) and the stall
# when the stream's leader nats-server is killed (bench/cluster_stall.py, STALL_RUNS times). Writes docs/benchmarks-cluster.md.
# Every process it starts is killed by pid on exit. Usage: bench/cluster.sh   (about 5 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
RECEIVERS=${RECEIVERS:-300}
RATES=${RATES:-20,50,100,200}
STEP=${STEP:-3}
LAT_RECEIVERS=${LAT_RECEIVERS:-100}
LAT_RATE=${LAT_RATE:-200}
LAT_SECONDS=${LAT_SECONDS:-10}
STALL_RUNS=${STALL_RUNS:-3}
OUT=${OUT:-docs/benchmarks-cluster.md}

STARTED=$(date -u +%Y-%m-%dT%H:%MZ)
WORK=$(mktemp -d /tmp/tcpchat-cluster-bench.XXXXXX)
PIDS=()
cleanup() {
    # With the nats-servers cluster_stall.py started again (by pid, from its file), even when it was interrupted.
    [[ -f $WORK/restarted-pids ]] && while read -r p; do PIDS+=("$p"); done < "$WORK/restarted-pids"
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    [[ -n ${KEEP_WORK:-} ]] && cp -r "$WORK" "$KEEP_WORK" # the nodes' and engines' logs, to look at afterwards
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dotnet build -c Release TcpChat.Server > /dev/null
dotnet build -c Release TcpChat.Bench > /dev/null
SERVER_DLL=TcpChat.Server/bin/Release/net10.0/tcpchat-server.dll
BENCH="dotnet TcpChat.Bench/bin/Release/net10.0/tcpchat-bench.dll"
# Flood control and per-address limits off: every client comes from 127.0.0.1 and the sender sends hundreds a second.
LIMITS="--max-connections-per-address 1000000 --flood-burst 1000000 --flood-rate 1000000 --max-new-accounts-per-address 1000000"
RESULTS=$WORK/results.jsonl
COMMANDS=$WORK/commands.txt
: > "$RESULTS"
: > "$COMMANDS"

load() { cut -d' ' -f1-3 /proc/loadavg; }

# wait_log FILE REGEX SECONDS: the first match's first group (or the whole match) once it is in FILE.
wait_log() {
    local i
    for i in $(seq $(($3 * 10))); do
        if grep -qE "$2" "$1" 2> /dev/null; then grep -oE "$2" "$1" | head -1; return; fi
        sleep 0.1
    done
    echo "timed out waiting for /$2/ in $1:" >&2; tail -20 "$1" >&2; exit 1
}

# start_nats NAME ROUTE [PORT ROUTE_PORT]: a JetStream nats-server on loopback, in its own directory, picking its own
# ports (-1) unless given (a restart). Sets NATS_PID, NATS_PORT, NATS_ROUTE_PORT.
start_nats() {
    local name=$1 route=$2 port=${3:--1} route_port=${4:--1} dir=$WORK/nats-$1
    mkdir -p "$dir"
    local args=(-js -sd "$dir" -a 127.0.0.1 -p "$port")
    [[ -n $route ]] && args+=(-n "$name" --cluster_name tcpchat --cluster "nats://127.0.0.1:$route_port" --routes "$route")
    echo "nats-server ${args[*]}" >> "$dir/commands"
    nats-server "${args[@]}" >> "$dir/log" 2>&1 &
    NATS_PID=$!
    PIDS+=("$NATS_PID")
    echo "$NATS_PID" > "$dir/pid"
    NATS_PORT=$(wait_log "$dir/log" 'Listening for client connections on [^ ]*:[0-9]+' 30 | tail -1 | grep -oE '[0-9]+$')
    NATS_ROUTE_PORT=""
    [[ -n $route ]] && NATS_ROUTE_PORT=$(wait_log "$dir/log" 'Listening for route connections on [^ ]*:[0-9]+' 30 | tail -1 | grep -oE '[0-9]+$')
    wait_log "$dir/log" 'Server is ready' 30 > /dev/null
}

# start_node NAME ARGS...: a TcpChat server on 127.0.0.1, port 0, read back from its log. Sets NODE_PID, NODE_PORT.
start_node() {
    local name=$1
    shift
    local log=$WORK/node-$name.log
    # exec: the background job becomes the server itself, so $! is its pid.
    (exec dotnet "$SERVER_DLL" --port 0 --bind 127.0.0.1 --default-room '' --max-connections 60000 $LIMITS "$@" > "$log" 2>&1) &
    NODE_PID=$!
    PIDS+=("$NODE_PID")
    NODE_PORT=$(wait_log "$log" 'Listening on [^ ]*:[0-9]+' 60 | grep -oE '[0-9]+$')
    if [[ " $* " == *" --cluster "* ]]; then wait_log "$log" "Cluster node $name ready" 120 > /dev/null; fi
}

stop_all() {
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    PIDS=()
}

# run_bench SYSTEM TARGETS SERVER_PID OTHER_PIDS: the two workloads against a running system; JSON lines into RESULTS.
run_bench() {
    local system=$1 targets=$2 pid=$3 others=$4 cmd
    local common="--targets $targets --server-pid $pid --label $system --json -q"
    [[ -n $others ]] && common+=" --system-pids $others"
    cmd="$BENCH fanout $common --receivers $RECEIVERS --rates $RATES --step-seconds $STEP --refine 0 --warmup-seconds 1"
    echo "$ $cmd" | tee -a "$COMMANDS" >&2
    local before; before=$(load)
    local out; out=$($cmd) || { echo "fanout failed on $system" >&2; out='{"workload":"fanout","failed":true}'; }
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(json.dumps({"system":sys.argv[2],"load":sys.argv[3],"result":r}))' \
        "$out" "$system" "$before" >> "$RESULTS"
    cmd="$BENCH latency $common --receivers $LAT_RECEIVERS --rate $LAT_RATE --seconds $LAT_SECONDS --warmup-seconds 2"
    echo "$ $cmd" | tee -a "$COMMANDS" >&2
    before=$(load)
    out=$($cmd) || { echo "latency failed on $system" >&2; out='{"workload":"latency","failed":true}'; }
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(json.dumps({"system":sys.argv[2],"load":sys.argv[3],"result":r}))' \
        "$out" "$system" "$before" >> "$RESULTS"
}

# pid_names: "pid=name" pairs of the running system, for the report.
declare -A NAMES

# 1. One server, SQLite history (in a temporary directory), then without history.
for history in sqlite none; do
    if [[ $history == sqlite ]]; then start_node single --data-dir "$WORK/data-single"; else start_node single --no-history; fi
    NAMES[$NODE_PID]="tcpchat"
    echo "dotnet $SERVER_DLL --port 0 --bind 127.0.0.1 --default-room '' --max-connections 60000 $LIMITS $([[ $history == sqlite ]] && echo "--data-dir <tmp>" || echo --no-history)" >> "$COMMANDS"
    run_bench "single-$history" "127.0.0.1:$NODE_PORT" "$NODE_PID" ""
    stop_all
done

# 2. Three nodes on one nats-server (replicas 1), then on three (replicas 3).
for engine in 1 3; do
    rm -rf "$WORK"/nats-*
    urls=()
    engine_pids=()
    route_ports=()
    for i in $(seq "$engine"); do
        if [[ $engine == 1 ]]; then start_nats "s$i" ""
        elif [[ $i == 1 ]]; then start_nats "s$i" "nats://127.0.0.1:1" # nobody listens: the others route to s1
        else start_nats "s$i" "nats://127.0.0.1:${route_ports[0]}"; fi
        urls+=("nats://127.0.0.1:$NATS_PORT")
        engine_pids+=("$NATS_PID")
        route_ports+=("$NATS_ROUTE_PORT")
        NAMES[$NATS_PID]="nats-s$i"
        cat "$WORK/nats-s$i/commands" >> "$COMMANDS"
    done
    targets=""
    node_pids=()
    for n in 1 2 3; do
        # Each node lists the engine's servers starting from a different one, so that they connect to different ones.
        rotated=("${urls[@]:$(((n - 1) % engine))}" "${urls[@]:0:$(((n - 1) % engine))}")
        list=$(IFS=,; echo "${rotated[*]}")
        start_node "node$n" --cluster "$list" --cluster-replicas "$engine" --node-name "node$n"
        echo "dotnet $SERVER_DLL --port 0 --bind 127.0.0.1 --default-room '' --max-connections 60000 $LIMITS --cluster $list --cluster-replicas $engine --node-name node$n" >> "$COMMANDS"
        targets+="${targets:+,}127.0.0.1:$NODE_PORT"
        node_pids+=("$NODE_PID")
        NAMES[$NODE_PID]="node$n"
    done
    others=$(IFS=,; echo "${node_pids[*]:1} ${engine_pids[*]}" | tr ' ' ',')
    run_bench "cluster-engine$engine" "$targets" "${node_pids[0]}" "$others"

    # Where the time goes: JetStream's publish->ack round trip, and core NATS delivery, on this engine.
    cmd="python3 bench/cluster_probe.py --nats 127.0.0.1:${urls[0]##*:} --replicas $engine"
    echo "$ $cmd" | tee -a "$COMMANDS" >&2
    before=$(load)
    python3 bench/cluster_probe.py --nats "127.0.0.1:${urls[0]##*:}" --replicas "$engine" \
        | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(json.dumps({"system":sys.argv[1],"load":sys.argv[2],"result":r}))' \
            "cluster-engine$engine" "$before" >> "$RESULTS" || echo "probe failed" >&2

    if [[ $engine == 3 && $STALL_RUNS -gt 0 ]]; then
        # The stall when the stream's leader is killed: cluster_stall.py kills it, and restarts it after each run
        # through the command file written here (same ports, same directory).
        for i in 1 2 3; do
            route=$([[ $i == 1 ]] && echo "nats://127.0.0.1:${route_ports[1]}" || echo "nats://127.0.0.1:${route_ports[0]}")
            echo "-js -sd $WORK/nats-s$i -a 127.0.0.1 -p ${urls[$((i - 1))]##*:} -n s$i --cluster_name tcpchat --cluster nats://127.0.0.1:${route_ports[$((i - 1))]} --routes $route" > "$WORK/nats-s$i/restart"
        done
        cmd="python3 bench/cluster_stall.py --work $WORK --send-node ${targets%%,*} --receive-node $(cut -d, -f2 <<< "$targets") --runs $STALL_RUNS"
        echo "$ $cmd" | tee -a "$COMMANDS" >&2
        before=$(load)
        # The pids it restarts are written to $WORK/restarted-pids, killed on exit like the rest.
        $cmd | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(json.dumps({"system":sys.argv[1],"load":sys.argv[2],"result":r}))' \
            "cluster-engine3" "$before" >> "$RESULTS" || echo "stall failed" >&2
        [[ -f $WORK/restarted-pids ]] && while read -r p; do PIDS+=("$p"); done < "$WORK/restarted-pids"
    fi
    stop_all
done

names=""
for pid in "${!NAMES[@]}"; do names+="$pid=${NAMES[$pid]} "; done
# The raw results beside the report, with what the report needs to be written again from them alone
# (bench/cluster_report.py --results docs/benchmarks-cluster.jsonl --out docs/benchmarks-cluster.md).
python3 -c 'import json,sys; print(json.dumps({"system":"meta","load":"","result":{"workload":"meta","names":sys.argv[1],"settings":sys.argv[2],"commands":open(sys.argv[3]).read(),"started":sys.argv[4]}}))' \
    "$names" "RECEIVERS=$RECEIVERS RATES=$RATES STEP=$STEP LAT_RECEIVERS=$LAT_RECEIVERS LAT_RATE=$LAT_RATE LAT_SECONDS=$LAT_SECONDS STALL_RUNS=$STALL_RUNS" \
    "$COMMANDS" "$STARTED" >> "$RESULTS"
cp "$RESULTS" "${OUT%.md}.jsonl"
python3 bench/cluster_report.py --results "${OUT%.md}.jsonl" --out "$OUT"
echo "wrote $OUT (load average now $(load))"
