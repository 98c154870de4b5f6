#!/usr/bin/env bash
# History. A joiner gets the room's last messages right after its NAMES (HISTORY <room> <count>, then that many MSG
# frames, oldest first, the same frames as live ones), then the live messages, with no gap. HISTORY pages backwards
# with before= and limit=. A room emptied and created again keeps its history, and its ids carry on. A private
# conversation's history is its two participants' only.
source "$(dirname "$0")/common.sh"

register alice alice
for i in 1 2 3; do say alice "SEND #lobby :message $i"; done
expect_text alice 'MSG #lobby alice 3 TIME' 'message 3'

register bob bob 'alice bob' 3
expect_text_next bob 'MSG #lobby alice 1 TIME' 'message 1'
expect_text_next bob 'MSG #lobby alice 2 TIME' 'message 2'
expect_text_next bob 'MSG #lobby alice 3 TIME' 'message 3'
say alice 'SEND #lobby :live now'
expect_text_next bob 'MSG #lobby alice 4 TIME' 'live now'
# History gives the very frames the others saw live, times included.
[[ $(grep -a -A1 '^MSG #lobby alice 2 ' "$WORK/alice.out") == $(grep -a -A1 '^MSG #lobby alice 2 ' "$WORK/bob.out") ]] \
    || fail "the MSG frame of message 2 from history differs from the live one"

# Paging backwards from the oldest message shown, two at a time; the arguments go in any order, verbs in any case.
say bob 'HISTORY #lobby before=4 limit=2'
expect_next bob 'HISTORY #lobby 2'
expect_text_next bob 'MSG #lobby alice 2 TIME' 'message 2'
expect_text_next bob 'MSG #lobby alice 3 TIME' 'message 3'
say bob 'history #LOBBY limit=2 before=2'
expect_next bob 'HISTORY #lobby 1'
expect_text_next bob 'MSG #lobby alice 1 TIME' 'message 1'
say bob 'HISTORY #lobby before=1'
expect_next bob 'HISTORY #lobby 0'

# Only the history of a room one is in; arguments are checked.
say bob 'HISTORY #elsewhere'
expect_text_next bob 'ERR NOT_IN_ROOM HISTORY' 'you are not in #elsewhere'
say bob 'HISTORY #lobby limit=0'
expect_text_next bob 'ERR BAD_FRAME HISTORY' "limit must be a whole number from 1 (got '0')"
say bob 'HISTORY #lobby after=3'
expect_text_next bob 'ERR BAD_FRAME HISTORY' "unknown argument 'after=3': HISTORY <#room or nick> [before=<id>] [limit=<n>]"

# A private conversation: both participants read the same history, and nobody else does.
say alice 'SEND bob :psst'
expect_text bob 'MSG bob alice 1 TIME' 'psst'
say bob 'SEND alice :yes?'
expect_text_next bob 'MSG alice bob 2 TIME' 'yes?'
say bob 'HISTORY alice'
expect_next bob 'HISTORY alice 2'
expect_text_next bob 'MSG bob alice 1 TIME' 'psst'
expect_text_next bob 'MSG alice bob 2 TIME' 'yes?'
register carol carol 'alice bob carol' 4
say carol 'HISTORY alice'
expect carol 'HISTORY alice 0'
say carol 'HISTORY bob'
expect_next carol 'HISTORY bob 0'

# A room that empties is removed, but not its history: joined again, it shows, and ids go on from there.
say alice 'JOIN #tmp'
expect alice 'HISTORY #tmp 0'
say alice 'SEND #tmp :before the room closed'
expect_text_next alice 'MSG #tmp alice 1 TIME' 'before the room closed'
say alice 'PART #tmp'
expect_next alice 'PART #tmp alice'
say alice 'JOIN #tmp'
expect_next alice 'JOIN #tmp alice'
expect_text_next alice 'NAMES #tmp' 'alice'
expect_next alice 'HISTORY #tmp 1'
expect_text_next alice 'MSG #tmp alice 1 TIME' 'before the room closed'
say alice 'SEND #tmp :after'
expect_text_next alice 'MSG #tmp alice 2 TIME' 'after'

pass
