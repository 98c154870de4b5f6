#!/usr/bin/env bash
# Two users register, both land in #lobby, and chat there: each sees the other's message and the echo of its own,
# with the same ids in the same order. alice types the inline form, bob types lower-case verbs with CRLF (nc -C).
source "$(dirname "$0")/common.sh"

register alice alice
client bob -C
say bob 'nick bob'
expect_re bob "$HELLO_RE"
expect_next bob 'NICK * bob' 'JOIN #lobby bob'
expect_text_next bob 'NAMES #lobby' 'alice bob'
expect_next bob 'HISTORY #lobby 0'
expect_next alice 'JOIN #lobby bob'

say alice 'SEND #lobby :hi bob, how are you?'
expect_text_next alice 'MSG #lobby alice 1 TIME' 'hi bob, how are you?'
expect_text_next bob 'MSG #lobby alice 1 TIME' 'hi bob, how are you?'

say bob 'send #lobby :fine, thanks: and you?'
expect_text_next bob 'MSG #lobby bob 2 TIME' 'fine, thanks: and you?'
expect_text_next alice 'MSG #lobby bob 2 TIME' 'fine, thanks: and you?'

# Blank lines are ignored; the length form works from a plain line too.
say alice ''
say_raw alice 'SEND #lobby 5\ngreat\n'
expect_text_next alice 'MSG #lobby alice 3 TIME' 'great'
expect_text_next bob 'MSG #lobby alice 3 TIME' 'great'

# Both saw the same MSG frames, times included, in the same order.
a=$(grep -a '^MSG ' "$WORK/alice.out")
b=$(grep -a '^MSG ' "$WORK/bob.out")
[[ "$a" == "$b" ]] || fail "alice and bob saw different MSG lines:
$(diff <(echo "$a") <(echo "$b"))"

pass
