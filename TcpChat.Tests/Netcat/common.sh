#!/usr/bin/env bash
# Helpers for the netcat scenarios: each scenario is a bash script that drives a running TcpChat server with real
# `nc` (netcat-openbsd) clients, the way a user scripts it, and checks what comes back.
#
#   source "$(dirname "$0")/common.sh"
#   client alice                       # nc 127.0.0.1 $TCPCHAT_PORT, kept open on a fifo
#   say alice 'NICK alice'             # type a line (LF added)
#   say_raw alice 'SEND #lobby 2\nhi\n' # send bytes, printf format
#   expect alice 'NICK * alice'        # wait (30 s at most) for these lines, in this order, after the last match
#   expect_text alice 'NAMES #lobby' 'alice'   # a frame with text: control line + byte length, then the text
#
# The server's port is $TCPCHAT_PORT (host 127.0.0.1). Each scenario expects a fresh server with nobody on it
# (NetcatScriptTests starts one per script), since it checks member lists and message ids. Nothing here sleeps to
# synchronise: every wait polls a client's output until a condition holds, and fails with a clear message after
# WAIT_TIMEOUT seconds (30).
#
# In what the helpers match, the time of every MSG frame (2026-11-21T10:00:00.123Z) is replaced by the word TIME once
# it has the right format; `raw_payload` reads the bytes exactly as they came.
#
# Run directly (`bash common.sh`), this file checks itself against the server: HELLO, PING/PONG, and that a wait
# for a line that never comes does fail.

set -Eu -o pipefail
export LC_ALL=C # byte-exact matching; the scripts hold UTF-8 bytes

: "${TCPCHAT_PORT:?set TCPCHAT_PORT to the port of a running TcpChat server}"
HOST=127.0.0.1
WAIT_TIMEOUT=${WAIT_TIMEOUT:-30}
SCRIPT_NAME=$(basename "$0")

if ! command -v nc > /dev/null; then
    echo "FAIL [$SCRIPT_NAME]: nc (netcat-openbsd) is not installed; the README test command installs it" >&2
    exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tcpchat-netcat.XXXXXX")
declare -A PID=() FD=() CUR=() ARGS=()
declare -a CLIENTS=()
MATCHED=0 # index (0-based) of the first line of the last match

# A write to a client whose nc has gone must fail, not kill the script with SIGPIPE.
trap '' PIPE

cleanup() {
    local who fd
    for who in "${CLIENTS[@]}"; do
        fd=${FD[$who]:-}
        if [[ -n "$fd" ]]; then exec {fd}>&- 2> /dev/null || true; fi
        if [[ -n "${PID[$who]:-}" ]] && kill -0 "${PID[$who]}" 2> /dev/null; then
            kill "${PID[$who]}" 2> /dev/null || true
        fi
    done
    wait 2> /dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'fail "command failed at line $LINENO: $BASH_COMMAND"' ERR

# Prints every client's output (what it received, as it came).
dump() {
    local who
    for who in "${CLIENTS[@]}"; do
        echo "---- $who (${ARGS[$who]:-nc}) received:"
        cat "$WORK/$who.out"
        if [[ -s "$WORK/$who.err" ]]; then
            echo "---- $who nc stderr:"
            cat "$WORK/$who.err"
        fi
    done
    echo "----"
    return 0
}

fail() {
    trap - ERR
    {
        echo "FAIL [$SCRIPT_NAME]: $*"
        dump
    } >&2
    exit 1
}

pass() {
    echo "PASS [$SCRIPT_NAME]${1:+: $1}"
    exit 0
}

# client NAME [nc flags...]: connects a new nc client. Its stdin is a fifo held open by this script, so the
# connection lives until `close_input` or `kill_client`; what it receives goes to $WORK/NAME.out.
client() {
    local who=$1
    shift
    mkfifo "$WORK/$who.in"
    : > "$WORK/$who.out"
    (
        # The other clients' input fifos stay open only in this script, so that close_input means end of input.
        for fd in "${FD[@]}"; do if [[ -n "$fd" ]]; then eval "exec $fd>&-"; fi; done
        exec nc "$@" "$HOST" "$TCPCHAT_PORT" < "$WORK/$who.in" > "$WORK/$who.out" 2> "$WORK/$who.err"
    ) &
    PID[$who]=$!
    local fd
    exec {fd}> "$WORK/$who.in"
    FD[$who]=$fd
    track "$who" "nc ${*:+$* }$HOST $TCPCHAT_PORT"
}

# track NAME [DESCRIPTION]: lets the expect helpers (and the failure dump) read $WORK/NAME.out, written by an nc the
# script ran itself, such as a one-shot `printf ... | nc ... > "$WORK/NAME.out"`.
track() {
    CUR[$1]=0
    ARGS[$1]=${2:-nc}
    CLIENTS+=("$1")
}

# say NAME LINE: types LINE and Enter.
say() {
    printf '%s\n' "$2" >&"${FD[$1]}" || fail "$1: could not write '$2' (nc gone?)"
}

# say_raw NAME FORMAT [ARGS...]: writes printf FORMAT (escapes such as \n and \r are honoured).
say_raw() {
    local who=$1
    shift
    # shellcheck disable=SC2059
    printf "$@" >&"${FD[$who]}" || fail "$who: could not write (nc gone?)"
}

# close_input NAME: ends nc's stdin, as Ctrl+D would. nc (without -N) still keeps the connection open.
close_input() {
    local fd=${FD[$1]}
    exec {fd}>&-
    FD[$1]=""
}

# kill_client NAME: kills the nc process; the connection drops without QUIT.
kill_client() {
    kill -KILL "${PID[$1]}"
    wait "${PID[$1]}" 2> /dev/null || true
}

# wait_exit NAME: waits until the client's nc has exited by itself.
wait_exit() {
    local who=$1 deadline=$((SECONDS + WAIT_TIMEOUT))
    while kill -0 "${PID[$who]}" 2> /dev/null; do
        ((SECONDS < deadline)) || fail "$who: nc still running after ${WAIT_TIMEOUT}s: the server did not close the connection"
        sleep 0.05
    done
}

# The complete lines received by NAME so far, MSG times replaced by TIME, into the array LINES.
TIME_SED='s/^(MSG [^ ]+ [^ ]+ [0-9]+ )[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z /\1TIME /'
read_lines() {
    local file="$WORK/$1.out"
    mapfile -t LINES < <(sed -E "$TIME_SED" "$file")
    # a last line without its LF has not fully arrived yet
    if [[ -s "$file" && $(tail -c 1 "$file" | od -An -tx1) != *0a* ]]; then unset 'LINES[-1]'; fi
    return 0
}

# expect NAME LINE...: waits until NAME has received LINE... as consecutive lines, somewhere after its previous match.
expect() {
    _expect any "$@"
}

# expect_next NAME LINE...: like expect, but the lines must be the very next ones after the previous match.
expect_next() {
    _expect next "$@"
}

_expect() {
    local mode=$1 who=$2
    shift 2
    local want=("$@") deadline=$((SECONDS + WAIT_TIMEOUT)) i j ok last
    while true; do
        read_lines "$who"
        for ((i = CUR[$who]; i + ${#want[@]} <= ${#LINES[@]}; i++)); do
            ok=1
            for ((j = 0; j < ${#want[@]}; j++)); do
                if [[ "${LINES[i + j]}" != "${want[j]}" ]]; then ok=0 && break; fi
            done
            if ((ok)); then
                MATCHED=$i
                CUR[$who]=$((i + ${#want[@]}))
                return 0
            fi
            if [[ $mode == next ]]; then break; fi
        done
        if ((SECONDS >= deadline)); then
            last=$(printf '    %s\n' "${want[@]}")
            fail "$who: expected these lines $([[ $mode == next ]] && echo 'right after line' || echo 'after line') ${CUR[$who]} within ${WAIT_TIMEOUT}s:
$last"
        fi
        sleep 0.05
    done
}

# expect_re NAME ERE: waits for one line (after the previous match) that matches the extended regex, anchored.
expect_re() {
    local who=$1 re="^($2)\$" deadline=$((SECONDS + WAIT_TIMEOUT)) i
    while true; do
        read_lines "$who"
        for ((i = CUR[$who]; i < ${#LINES[@]}; i++)); do
            if [[ "${LINES[i]}" =~ $re ]]; then
                MATCHED=$i
                CUR[$who]=$((i + 1))
                return 0
            fi
        done
        ((SECONDS < deadline)) || fail "$who: expected a line matching /$re/ after line ${CUR[$who]} within ${WAIT_TIMEOUT}s"
        sleep 0.05
    done
}

# text_frame CONTROL TEXT: the lines of a frame with text as the server writes it: "CONTROL <bytes>", then TEXT.
text_frame() {
    local rest
    mapfile -t rest <<< "$2" # the text's lines; a text ending in LF gives an empty line, as on the wire
    FRAME=("$1 ${#2}" "${rest[@]}")
}

# expect_text NAME CONTROL TEXT: waits for a frame with text, e.g. expect_text bob 'MSG #lobby alice 1 TIME' 'hi'.
expect_text() {
    text_frame "$2" "$3"
    expect "$1" "${FRAME[@]}"
}

# expect_text_next NAME CONTROL TEXT: the same frame, right after the previous match.
expect_text_next() {
    text_frame "$2" "$3"
    expect_next "$1" "${FRAME[@]}"
}

# refute NAME LINE: fails if NAME has received LINE at any time so far.
refute() {
    read_lines "$1"
    local line
    for line in "${LINES[@]}"; do
        [[ "$line" != "$2" ]] || fail "$1: received '$2', which it must not"
    done
    return 0
}

# raw_payload NAME: prints, byte for byte, the text of the frame whose control line was the first line of the last
# match (its length is the control line's last field), and checks that a LF follows it.
raw_payload() {
    local who=$1 file="$WORK/$1.out" control offset length after
    control=$(sed -n "$((MATCHED + 1))p" "$file")
    length=${control##* }
    [[ "$length" =~ ^[0-9]+$ ]] || fail "$who: control line '$control' does not end with a length"
    offset=$(head -n "$((MATCHED + 1))" "$file" | wc -c)
    after=$(head -c "$((offset + length + 1))" "$file" | tail -c 1 | od -An -tx1)
    [[ "$after" == *0a* ]] || fail "$who: the ${length}-byte text of '$control' is not followed by LF (got '$after')"
    head -c "$((offset + length))" "$file" | tail -c "$length"
}

# The server's HELLO, as every client gets it first.
HELLO_RE='HELLO tcpchat/1 [^ ]+ max_line=[0-9]+ max_payload=[0-9]+ ping=[0-9]+( [^ =]+=[^ ]*)*'

# register NAME NICK [MEMBERS] [HISTORY]: connects, says NICK, checks HELLO, the NICK confirmation, the default room's
# JOIN, NAMES and HISTORY header (MEMBERS: the expected members of #lobby, the new nick last; defaults to NICK alone;
# HISTORY: how many of the room's past messages follow, 0 by default; the caller checks them).
register() {
    local who=$1 nick=$2 members=${3:-$2} history=${4:-0}
    client "$who"
    say "$who" "NICK $nick"
    expect_re "$who" "$HELLO_RE"
    expect_next "$who" "NICK * $nick" "JOIN #lobby $nick"
    expect_text_next "$who" "NAMES #lobby" "$members"
    expect_next "$who" "HISTORY #lobby $history"
}

# ---- run directly: check the helpers themselves ----
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    client solo
    expect_re solo "$HELLO_RE"
    [[ "${LINES[0]}" =~ ^$HELLO_RE$ ]] || fail "solo: HELLO is not the first frame"
    say solo 'PING abc123'
    expect_next solo 'PONG abc123'
    say solo 'ping'
    expect_next solo 'PONG'

    # A wait for something that never comes must fail, with a message: run one in a subshell with a short timeout.
    out=$(WAIT_TIMEOUT=2 bash -c 'source "$1"; client x; expect x "NO SUCH LINE"' _ "${BASH_SOURCE[0]}" 2>&1) \
        && fail "expect passed for a line that never came: $out"
    [[ "$out" == *"FAIL ["*"expected these lines"*"NO SUCH LINE"* ]] || fail "expect failed without a clear message: $out"

    # text_frame counts bytes and keeps empty and trailing lines.
    text_frame 'MSG' $'a\n\nb\n'
    [[ "${FRAME[*]}" == "MSG 5 a  b " && ${#FRAME[@]} == 5 ]] || fail "text_frame: got ${#FRAME[@]} lines: ${FRAME[*]}"
    text_frame 'MSG' '漢字'
    [[ "${FRAME[0]}" == "MSG 6" ]] || fail "text_frame counts characters, not bytes: ${FRAME[0]}"
    pass "HELLO, PING/PONG, helpers"
fi
