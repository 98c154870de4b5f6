#!/usr/bin/env bash
# When a connection drops (the nc process is killed: no QUIT, no goodbye), everyone who shared a room with the user
# gets "QUIT <nick> connection closed", once even when they shared several rooms; someone who shared no room gets
# nothing. QUIT with text is passed on the same way and its sender gets BYE; an `nc -N` whose input ends is a drop too.
source "$(dirname "$0")/common.sh"

register alice alice
register bob bob 'alice bob'
register carol carol 'alice bob carol'
register dave dave 'alice bob carol dave'
say dave 'PART #lobby'
expect_next dave 'PART #lobby dave'
for who in alice bob carol; do expect "$who" 'PART #lobby dave'; done

# alice and bob also share #side.
say alice 'JOIN #side'
expect_next alice 'JOIN #side alice'
say bob 'JOIN #side'
expect_next bob 'JOIN #side bob'
expect_text_next bob 'NAMES #side' 'alice bob'
expect_next bob 'HISTORY #side 0'
expect alice 'JOIN #side bob'

kill_client alice
expect_text bob 'QUIT alice' 'connection closed'
expect_text carol 'QUIT alice' 'connection closed'

# alice is gone from both rooms, and dave, who shared none with her, was not told.
say bob 'NAMES #side'
expect_text_next bob 'NAMES #side' 'bob'
say bob 'NAMES #lobby'
expect_text_next bob 'NAMES #lobby' 'bob carol'
say bob 'SEND dave :did you hear?'
expect_text dave 'MSG dave bob 1 TIME' 'did you hear?'
refute dave 'QUIT alice 17'
[[ $(grep -ac '^QUIT alice ' "$WORK/bob.out") == 1 ]] || fail "bob was told more than once that alice quit"

# QUIT with text: the others get the text, the leaver gets BYE; nc still holds the connection until its input ends.
say carol 'QUIT :gotta go'
expect_text_next carol 'BYE' 'bye'
expect_text bob 'QUIT carol' 'gotta go'
close_input carol
wait_exit carol

# The nick alice is free again; a plain QUIT is passed on as "quit".
register alice2 alice 'bob alice'
expect bob 'JOIN #lobby alice'
say alice2 'QUIT'
expect_text_next alice2 'BYE' 'bye'
expect_text bob 'QUIT alice' 'quit'

# A one-shot script with nc -N: at the end of its input nc shuts the connection down, which is a drop for the server;
# the server closes, and nc exits by itself.
printf 'NICK eve\nSEND #lobby :hello and goodbye\n' | timeout "$WAIT_TIMEOUT" nc -N "$HOST" "$TCPCHAT_PORT" > "$WORK/eve.out" \
    || fail "nc -N for eve did not exit by itself within ${WAIT_TIMEOUT}s (exit code $?)"
expect_text bob 'MSG #lobby eve 1 TIME' 'hello and goodbye'
expect_text bob 'QUIT eve' 'connection closed'
grep -aqx 'hello and goodbye' "$WORK/eve.out" || fail "eve did not get the echo of its message: $(cat -v "$WORK/eve.out")"

pass
