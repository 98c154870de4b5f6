#!/usr/bin/env bash
# TcpChat beside the servers people would pick instead: ngIRCd and InspIRCd (IRC), nats-server (pub/sub). One command:
# installs the peers from Debian's packages when missing, builds TcpChat Release, and for every round, workload and
# server starts a fresh server pinned to one core, runs `tcpchat-bench <workload>` pinned to the other, and stops the
# server; the servers take turns (the order rotates every round). Then profiles the TcpChat server under fan-out with
# perf, and writes docs/benchmarks.md, docs/benchmarks.svg and the raw results, docs/benchmarks-results.jsonl.
#
#   bench/compare.sh                 # quick: smaller rooms, shorter steps, 2 rounds of fan-out and latency: ~20 min
#   bench/compare.sh --full          # the sizes of issue 7, 3 rounds of everything: well over an hour
#   CONFIGS="tcpchat nats" WORKLOADS="fanout latency" bench/compare.sh     # a subset
#   ROUNDS=5 FANOUT_ARGS="--receivers 500" bench/compare.sh                # other sizes (see tcpchat-bench <workload> --help)
#
# Servers (CONFIGS): tcpchat (--no-history: like the peers, nothing on disk), tcpchat-history (as shipped: SQLite),
# ngircd, inspircd, nats. Their configurations are bench/peers/*.conf. Everything listens on 127.0.0.1 only.
# Not a test: CI does not run it. It stops every server it started (by pid), and nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=quick
[[ "${1:-}" == "--full" ]] && MODE=full
[[ "${1:-}" == "--quick" || -z "${1:-}" || "${1:-}" == "--full" ]] || { sed -n '2,16p' "$0"; exit 2; }

CONFIGS=${CONFIGS:-"tcpchat tcpchat-history ngircd inspircd nats"}
WORKLOADS=${WORKLOADS:-"fanout latency rooms idle growth"}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PROFILE=${PROFILE:-1}
QUIET_WAIT=${QUIET_WAIT:-60}   # seconds to wait, before each run, for the machine to be idle (others' builds skew figures)
# Idle memory is read 15 s after each half of the connections has joined: idle by then, and past the 10 s after which
# TcpChat gives back the memory a burst of connections grew (Chat:TrimMemoryAfterSeconds). Every server gets the same wait.
if [[ $MODE == quick ]]; then
    ROUNDS=${ROUNDS:-2}               # fan-out and latency
    SLOW_ROUNDS=${SLOW_ROUNDS:-1}     # rooms, idle, growth
    FANOUT_ARGS=${FANOUT_ARGS:-"--receivers 1000 --step-seconds 2 --refine 2 --warmup-seconds 1"}
    LATENCY_ARGS=${LATENCY_ARGS:-"--receivers 1000 --rate 200 --seconds 5 --warmup-seconds 1"}
    ROOMS_ARGS=${ROOMS_ARGS:-"--clients 2000 --room-size 10 --interval 2 --seconds 10 --warmup-seconds 2"}
    IDLE_ARGS=${IDLE_ARGS:-"--connections 10000 --room-size 10 --settle-seconds 15 --per-address 5000"}
    GROWTH_ARGS=${GROWTH_ARGS:-"--receivers 100,1000,5000 --step-seconds 1 --refine 1 --warmup-seconds 0.5"}
    SLOW_CONFIGS=${SLOW_CONFIGS:-"tcpchat ngircd inspircd nats"} # growth and rooms: TcpChat with history only in --full
else
    ROUNDS=${ROUNDS:-3}
    SLOW_ROUNDS=${SLOW_ROUNDS:-3}
    FANOUT_ARGS=${FANOUT_ARGS:-"--receivers 1000 --step-seconds 3 --refine 3 --warmup-seconds 2"}
    LATENCY_ARGS=${LATENCY_ARGS:-"--receivers 1000 --rate 200 --seconds 20 --warmup-seconds 2"}
    ROOMS_ARGS=${ROOMS_ARGS:-"--clients 10000 --room-size 10 --interval 10 --seconds 30"}
    IDLE_ARGS=${IDLE_ARGS:-"--connections 10000 --room-size 10 --settle-seconds 15 --per-address 5000"}
    GROWTH_ARGS=${GROWTH_ARGS:-"--receivers 10,100,1000,5000 --step-seconds 2 --refine 2 --warmup-seconds 1"}
    SLOW_CONFIGS=${SLOW_CONFIGS:-$CONFIGS}
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tcpchat-compare.XXXXXX")
RESULTS=$WORK/results.jsonl
COMMANDS=$WORK/commands.txt
SERVER_PID=""
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

stop_server() {
    [[ -n "$SERVER_PID" ]] || return 0
    if kill -0 "$SERVER_PID" 2> /dev/null; then
        kill "$SERVER_PID" 2> /dev/null || true
        for _ in $(seq 100); do kill -0 "$SERVER_PID" 2> /dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2> /dev/null || true
        wait "$SERVER_PID" 2> /dev/null || true
    fi
    SERVER_PID=""
}
cleanup() {
    local status=$?
    stop_server
    if ((status == 0)); then rm -rf "$WORK"; else log "stopped (exit $status); the runs so far are in $WORK/results.jsonl"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the peers, from Debian's packages --------------------------------------------------------------------------
missing=()
command -v ngircd > /dev/null || missing+=(ngircd)
command -v inspircd > /dev/null || missing+=(inspircd)
command -v nats-server > /dev/null || missing+=(nats-server)
command -v perf > /dev/null || [[ $PROFILE == 0 ]] || missing+=(linux-perf)
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" > /dev/null
fi
# The packages' own services (where an init system starts them) listen on 6667 and 4222; ours use free ports.

log "building Release..."
dotnet build -c Release --nologo -v q TcpChat.Server/TcpChat.Server.csproj > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
dotnet build -c Release --nologo -v q TcpChat.Bench/TcpChat.Bench.csproj >> "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
# Copies of what was built, so that a rebuild in the tree while this runs (others work here too) changes nothing.
cp -r TcpChat.Server/bin/Release/net10.0 "$WORK/server"
cp -r TcpChat.Bench/bin/Release/net10.0 "$WORK/bench"
SERVER_DLL=$WORK/server/tcpchat-server.dll
BENCH_DLL=$WORK/bench/tcpchat-bench.dll

# TcpChat's flood limits off, as the peers' are (bench/peers/*.conf): every client comes from 127.0.0.x and the sender
# sends thousands of frames a second. Only the flags this server has (older ones have none of them).
TCPCHAT_LIMITS=""
server_help=$(timeout 30 dotnet "$SERVER_DLL" --help 2>&1 || true)
for flag in --max-connections-per-address --flood-burst --flood-rate --max-new-accounts-per-address; do
    grep -q -- "$flag " <<< "$server_help" && TCPCHAT_LIMITS+=" $flag 1000000"
done

free_port() {
    for p in $(shuf -i 20000-29999 -n 50); do
        ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
    done
    echo "no free port" >&2; exit 1
}

wait_listening() { # PORT LOGFILE
    for _ in $(seq 300); do
        ss -Htln "sport = :$1" | grep -q . && return 0
        kill -0 "$SERVER_PID" 2> /dev/null || { log "the server exited:"; tail -20 "$2" >&2; return 1; }
        sleep 0.1
    done
    log "the server did not listen on $1"; return 1
}

# start_server CONFIG: a fresh server on a free port, pinned to SERVER_CPU; sets SERVER_PID, PORT, PROTO_ARGS, START_CMD.
start_server() {
    local config=$1 dir=$WORK/$1
    mkdir -p "$dir"
    PORT=$(free_port)
    case $config in
        tcpchat | tcpchat-history | tcpchat-lobby)
            local history="--no-history" room="--default-room ''"
            [[ $config == tcpchat-history ]] && { rm -rf "$dir/data"; history="--data-dir $dir/data"; }
            # No default room (the peers have none), but for tcpchat-lobby: every client in #lobby as well, as with the
            # server's defaults (issue 17); the connection limit above the idle workload's connections.
            [[ $config == tcpchat-lobby ]] && room=""
            START_CMD="taskset -c $SERVER_CPU dotnet $SERVER_DLL --port $PORT --bind 127.0.0.1 --server-name bench $room --max-connections 60000$TCPCHAT_LIMITS $history"
            PROTO_ARGS="--protocol tcpchat" ;;
        ngircd)
            sed "s|@PORT@|$PORT|; s|@DIR@|$dir|" bench/peers/ngircd.conf > "$dir/ngircd.conf"
            START_CMD="taskset -c $SERVER_CPU ngircd --nodaemon --passive --config $dir/ngircd.conf"
            PROTO_ARGS="--protocol irc --irc-oper bench:bench" ;;
        inspircd)
            sed "s|@PORT@|$PORT|; s|@DIR@|$dir|" bench/peers/inspircd.conf > "$dir/inspircd.conf"
            START_CMD="taskset -c $SERVER_CPU inspircd --nofork --runasroot --config $dir/inspircd.conf"
            PROTO_ARGS="--protocol irc" ;;
        nats)
            sed "s|@PORT@|$PORT|" bench/peers/nats-server.conf > "$dir/nats-server.conf"
            START_CMD="taskset -c $SERVER_CPU nats-server --config $dir/nats-server.conf"
            PROTO_ARGS="--protocol nats" ;;
        *) log "unknown config $config"; exit 2 ;;
    esac
    # exec: the background job becomes the server itself (taskset execs it too), so $! is the server's pid.
    eval "exec $START_CMD" > "$dir/server.log" 2>&1 &
    SERVER_PID=$!
    wait_listening "$PORT" "$dir/server.log"
}

# Clients connecting at once, per server, so that each is met as it is built: ngIRCd listens with a backlog of 10
# (more SYNs than that are dropped, and retried a second later); InspIRCd completes a registration on its
# once-a-second tick, so it needs many in flight; TcpChat and nats-server take anything.
concurrency_of() {
    case $1 in ngircd) echo 8 ;; inspircd) echo 1000 ;; *) echo 100 ;; esac
}

# busy_percent: the machine's CPU use over one second, in percent of all cores.
busy_percent() {
    local a b
    a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
    local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
    echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}

wait_quiet() {
    local busy waited=0
    while busy=$(busy_percent); ((busy > 10 && waited < QUIET_WAIT)); do
        ((waited == 0)) && log "machine busy ($busy%): waiting up to ${QUIET_WAIT}s for it to quieten"
        waited=$((waited + 1))
    done
    BUSY=$busy
}

declare -A SEEN_CMD=()
record_command() { # KEY COMMAND
    [[ -n "${SEEN_CMD[$1]:-}" ]] && return
    SEEN_CMD[$1]=1
    echo "$2" >> "$COMMANDS"
}

args_of() {
    case $1 in
        fanout) echo "$FANOUT_ARGS" ;; latency) echo "$LATENCY_ARGS" ;; rooms) echo "$ROOMS_ARGS" ;;
        idle) echo "$IDLE_ARGS" ;; growth) echo "$GROWTH_ARGS" ;;
    esac
}

# run CONFIG WORKLOAD ROUND
run() {
    local config=$1 workload=$2 round=$3
    wait_quiet
    start_server "$config"
    local conc; conc=$(concurrency_of "$config")
    local cmd="taskset -c $CLIENT_CPU dotnet $BENCH_DLL $workload --port $PORT $PROTO_ARGS --server-pid $SERVER_PID --label $config --concurrency $conc --json $(args_of "$workload")"
    record_command "server $config" "$START_CMD"
    record_command "bench $config $workload" "$cmd"
    log "round $round: $workload against $config (port $PORT, machine busy $BUSY% before)"
    local out err=$WORK/$config/bench.err status=0
    out=$(timeout 1800 bash -c "$cmd" 2> "$err") || status=$?
    if ((status == 0)) && [[ -n "$out" ]]; then
        echo "{\"round\":$round,\"config\":\"$config\",\"workload\":\"$workload\",\"busyBefore\":$BUSY,\"result\":$out}" >> "$RESULTS"
        grep -E 'best:|FAILED|ok$|latency at|rooms:|connected and joined|receivers:' "$err" | tail -12 | sed 's/^/    /' >&2 || true
    else
        local why; why=$(grep -v '^\s*$' "$err" | tail -1 | tr '"\\' "'/")
        log "  failed (exit $status): $why"
        echo "{\"round\":$round,\"config\":\"$config\",\"workload\":\"$workload\",\"error\":\"exit $status: $why\"}" >> "$RESULTS"
    fi
    stop_server
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
for workload in $WORKLOADS; do
    rounds=$ROUNDS
    [[ $workload == rooms || $workload == idle || $workload == growth ]] && rounds=$SLOW_ROUNDS
    list=$CONFIGS
    if [[ $workload == rooms || $workload == growth ]]; then
        list=""
        for c in $CONFIGS; do [[ " $SLOW_CONFIGS " == *" $c "* ]] && list+=" $c"; done
    fi
    # The idle workload also with TcpChat's default room, beside the current one (LOBBY=0: not).
    [[ $workload == idle && ${LOBBY:-1} == 1 && " $list " == *" tcpchat "* ]] && list+=" tcpchat-lobby"
    read -r -a configs <<< "$list"
    for round in $(seq "$rounds"); do
        # The servers take turns, and the first of one round is the last of the next.
        n=${#configs[@]}
        for k in $(seq 0 $((n - 1))); do
            run "${configs[$(( (k + round - 1) % n ))]}" "$workload" "$round"
        done
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- profile: system calls of every server, and where the TcpChat server's CPU goes --------------------------------
PROFILE_MD=$WORK/profile.md
PROFILE_RATE=${PROFILE_RATE:-1000}
# fanout_under_perf CONFIG RATE PERF-ARGS...: a fresh server, 1,000 receivers at RATE msg/s for 12 s; perf (with the
# given arguments, -p <server pid> added) for 6 s from 2 s after the warm-up. Leaves the step's line in $WORK/<config>/step.
fanout_under_perf() {
    local config=$1 rate=$2
    shift 2
    wait_quiet
    start_server "$config"
    local pcmd="taskset -c $CLIENT_CPU dotnet $BENCH_DLL fanout --port $PORT $PROTO_ARGS --server-pid $SERVER_PID --label $config --concurrency $(concurrency_of "$config") --receivers 1000 --rates $rate --step-seconds 12 --refine 0 --warmup-seconds 6"
    record_command "perf bench $config $rate" "$pcmd"
    bash -c "$pcmd" > "$WORK/$config/perf-bench.txt" 2> "$WORK/$config/perf-bench.err" &
    local bench_pid=$!
    for _ in $(seq 3000); do grep -q 'warm-up at' "$WORK/$config/perf-bench.err" 2> /dev/null && break; sleep 0.1; done
    sleep 2
    perf "$@" -p "$SERVER_PID" -- sleep 6 > /dev/null 2>&1 || true
    LAST_PERF_PID=$SERVER_PID
    wait "$bench_pid" || true
    grep -E "msg/s x 1000" "$WORK/$config/perf-bench.err" | tail -1 > "$WORK/$config/step" || true
    stop_server
}

if [[ $PROFILE == 1 ]] && command -v perf > /dev/null; then
    {
        echo "### System calls per delivery"
        echo
        echo "Each server in turn, 1,000 receivers at $PROFILE_RATE msg/s (a rate every server sustains), and"
        echo "\`perf stat -e 'syscalls:sys_enter_*'\` on the server for 6 s of it: the calls that write to a socket, per delivery"
        echo "($PROFILE_RATE x 1,000 x 6 deliveries), and those that read or wait. A server that writes each message to each"
        echo "receiver with its own system call makes about 1 write per delivery; one that gathers what is queued for a"
        echo "connection makes fewer. On loopback a write also runs the receiver's TCP input, so writes are most of the cost."
        echo
        echo "| server | writes per delivery | reads + epoll waits per delivery | server CPU per delivery, ns | the step |"
        echo "|---|---:|---:|---:|---|"
    } > "$WORK/syscalls.md"
    for config in $CONFIGS; do
        [[ $config == tcpchat-history ]] && continue
        log "profile: system calls of $config at $PROFILE_RATE msg/s to 1000 receivers"
        ev="syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_write,syscalls:sys_enter_writev"
        ev+=",syscalls:sys_enter_recvfrom,syscalls:sys_enter_read,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait"
        record_command "perf stat" "perf stat -x, -e $ev -p <server pid> -- sleep 6"
        fanout_under_perf "$config" "$PROFILE_RATE" stat -x, -o "$WORK/$config/perf-stat.csv" -e "$ev"
        awk -F, -v d="$((PROFILE_RATE * 1000 * 6))" -v c="$config" -v step="$(cat "$WORK/$config/step")" '
            $3 ~ /send|write/ { w += $1 } $3 ~ /recv|read|epoll/ { r += $1 }
            END { ns = step; sub(/.*server CPU /, "", ns); sub(/ ns.*/, "", ns); if (ns == step) ns = "-";
                  s = step; sub(/^[^:]*: /, "", s); sub(/, p99.*/, "", s);
                  printf "| %s | %.3f | %.3f | %s | %s |\n", c, w / d, r / d, ns, s }' "$WORK/$config/perf-stat.csv" >> "$WORK/syscalls.md" || true
    done
fi

if [[ $PROFILE == 1 ]] && command -v perf > /dev/null && [[ " $CONFIGS " == *" tcpchat "* ]]; then
    # At 70% of the median best fan-out rate of the runs above: a loaded server, at a rate it sustains from the first
    # second (at the best rate itself, without the steps that lead there, the load generator can fall behind).
    best=$(grep '"config":"tcpchat","workload":"fanout"' "$RESULTS" | grep -oE '"best":\{"rate":[0-9.]+' | grep -oE '[0-9.]+$' | sort -n \
        | awk '{ v[NR] = $1 } END { if (NR) printf "%.0f\n", 0.7 * v[int((NR + 1) / 2)] }') || true
    [[ -n "$best" ]] || best=$PROFILE_RATE
    log "profile: perf record of the TcpChat server at $best msg/s to 1000 receivers"
    # Names for JIT-compiled methods: a perf map, and no W^X double mapping (perf cannot read names through it).
    export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
    record_command "perf record" "DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 <server>; perf record -F 999 -g -p <server pid> -- sleep 6"
    fanout_under_perf tcpchat "$best" record -F 999 -g -o "$WORK/perf.data"
    unset DOTNET_PerfMapEnabled DOTNET_EnableWriteXorExecute
    {
        cat "$WORK/syscalls.md" 2> /dev/null && echo
        echo "### Where the TcpChat server's CPU goes"
        echo
        echo "\`perf record -F 999 -g\` of the TcpChat server (\`--no-history\`) for 6 s while \`tcpchat-bench fanout\` sent $best msg/s"
        echo "to 1,000 receivers (70% of its median best rate above), after a warm-up. The step:"
        echo
        echo '```'
        cat "$WORK/tcpchat/step"
        echo '```'
        echo
        echo "By library (\`perf report --sort dso\`): the kernel is the system calls and the loopback TCP stack under them; JIT-compiled"
        echo "C# shows as \`perf-<pid>.map\`; libcoreclr is the runtime (GC, thread pool, locks; no symbols in the package)."
        echo
        echo '```'
        perf report -i "$WORK/perf.data" --no-children --sort dso --stdio -g none 2> /dev/null | grep -E '^ +[0-9]' | head -8
        echo '```'
        echo
        echo "Inclusive time (\`perf report --children\`, callees included), the top 40 named functions:"
        echo
        echo '```'
        perf report -i "$WORK/perf.data" --children --sort symbol --stdio -g none 2> /dev/null | grep -E '^ +[0-9]' \
            | grep -v '\] 0x0000' | head -40 | cut -c1-160 | sed 's/ *$//'
        echo '```'
        echo
        echo "Self time, the top 30 (\`perf report --no-children\`):"
        echo
        echo '```'
        perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio -g none 2> /dev/null | grep -E '^ +[0-9]' | head -30 \
            | cut -c1-160 | sed 's/ *$//'
        echo '```'
    } > "$PROFILE_MD" || true # (head closes its pipe early: SIGPIPE upstream is expected)
    cp "$WORK/perf.data" "${TMPDIR:-/tmp}/tcpchat-compare-perf.data" 2> /dev/null || true
    rm -f "/tmp/perf-$LAST_PERF_PID.map"
elif [[ -f "$WORK/syscalls.md" ]]; then
    cp "$WORK/syscalls.md" "$PROFILE_MD"
fi

# --- the machine, and the report ------------------------------------------------------------------------------------
{
    echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores (nproc); memory $(free -h | awk '/^Mem:/ { print $2 }')"
    echo "- OS: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r); open files per process: $(ulimit -n)"
    echo "- TcpChat: .NET SDK $(dotnet --version), git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- TcpChat.Server TcpChat.Protocol || echo ' with uncommitted changes'), Release build"
    echo "- ngIRCd: $(ngircd --version 2> /dev/null | head -1)"
    echo "- InspIRCd: $(inspircd --version 2> /dev/null | head -1)"
    echo "- nats-server: $(nats-server --version 2> /dev/null | head -1)"
    echo "- Pinning: every server on core $SERVER_CPU, the load generator on core $CLIENT_CPU (\`taskset\`); .NET and Go see one core each."
    echo "- Mode: **$MODE** ($ROUNDS round(s) of fan-out and latency, $SLOW_ROUNDS of rooms, idle and growth; rooms and growth against $SLOW_CONFIGS), started $STARTED."
    echo "- Load average (1, 5, 15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER. Before each run the script waited (up to ${QUIET_WAIT}s) for"
    echo "  the machine to be under 10% busy; what it found is \`busyBefore\` in the raw results (docs/benchmarks-results.jsonl)."
    echo "- Everything on 127.0.0.1: loopback TCP, where a send also does the receiver's TCP work, so a system call per"
    echo "  delivery costs a server a few microseconds: batching writes matters more here than on a real network."
} > "$WORK/machine.md" || true
{
    echo "bench/compare.sh $([[ $MODE == full ]] && echo --full)   # CONFIGS=\"$CONFIGS\" WORKLOADS=\"$WORKLOADS\" ROUNDS=$ROUNDS SLOW_ROUNDS=$SLOW_ROUNDS"
    echo "# each run: a fresh server (one of these), then the load generator; <port> and <pid> change every run"
    echo "# <work>/server and <work>/bench: copies of TcpChat.Server/bin/Release/net10.0 and TcpChat.Bench/bin/Release/net10.0"
    sed -E 's/--port [0-9]+/--port <port>/; s/Ports = [0-9]+//; s/--server-pid [0-9]+/--server-pid <pid>/; s|/tmp/tcpchat-compare\.[A-Za-z0-9]+|<work>|g' "$COMMANDS"
} > "$WORK/commands.txt.clean"

cp "$RESULTS" docs/benchmarks-results.jsonl
dotnet "$BENCH_DLL" report --results "$RESULTS" --machine "$WORK/machine.md" --commands "$WORK/commands.txt.clean" \
    --profile "$PROFILE_MD" --notes bench/notes.md --out docs/benchmarks.md --svg docs/benchmarks.svg
log "done: docs/benchmarks.md, docs/benchmarks.svg, docs/benchmarks-results.jsonl"
