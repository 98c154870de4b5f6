#!/usr/bin/env bash
# JOIN and PART are told to every member, the joiner and the leaver included; the joiner gets NAMES right after its
# JOIN, then the room's history (HISTORY <room> <count>, here 0); NAMES answers with the members in the order they
# joined; a room keeps the spelling of its creator.
source "$(dirname "$0")/common.sh"

BAD_ROOM='a room name is # followed by 1 to 49 letters, digits, _ - or .'

register alice alice
register bob bob 'alice bob'
expect alice 'JOIN #lobby bob'

say alice 'JOIN #Rust'
expect_next alice 'JOIN #Rust alice'
expect_text_next alice 'NAMES #Rust' 'alice'
expect_next alice 'HISTORY #Rust 0'

# Room names are case-insensitive: bob's #RUST is alice's #Rust.
say bob 'JOIN #RUST'
expect_next bob 'JOIN #Rust bob'
expect_text_next bob 'NAMES #Rust' 'alice bob'
expect_next bob 'HISTORY #Rust 0'
expect_next alice 'JOIN #Rust bob'

say bob 'NAMES #rust'
expect_text_next bob 'NAMES #Rust' 'alice bob'
say bob 'NAMES #lobby'
expect_text_next bob 'NAMES #lobby' 'alice bob'

# NAMES of a room that does not exist is empty; of a bad room name, ERR BAD_ROOM.
say bob 'NAMES #nowhere'
expect_text_next bob 'NAMES #nowhere' ''
say bob 'NAMES lobby'
expect_text_next bob 'ERR BAD_ROOM NAMES' "$BAD_ROOM"

# JOIN of a room you are in re-sends NAMES, and no JOIN to anyone.
say alice 'JOIN #rust'
expect_text_next alice 'NAMES #Rust' 'alice bob'

# A message in #Rust reaches both; PART with text, then without.
say alice 'SEND #rust :welcome'
expect_text_next alice 'MSG #Rust alice 1 TIME' 'welcome'
expect_text_next bob 'MSG #Rust alice 1 TIME' 'welcome'

say bob 'PART #Rust :see you later'
expect_text_next bob 'PART #Rust bob' 'see you later'
expect_text_next alice 'PART #Rust bob' 'see you later'
say bob 'SEND #Rust :still here?'
expect_text_next bob 'ERR NOT_IN_ROOM SEND' 'you are not in #Rust'
say bob 'PART #Rust'
expect_text_next bob 'ERR NOT_IN_ROOM PART' 'you are not in #Rust'

say alice 'PART #rust'
expect_next alice 'PART #Rust alice'
# The room is gone with its last member.
say alice 'NAMES #Rust'
expect_text_next alice 'NAMES #Rust' ''
[[ $(grep -ac '^JOIN #Rust alice$' "$WORK/alice.out") == 1 ]] || fail "alice got her JOIN #Rust more than once"
[[ $(grep -ac '^JOIN #Rust alice$' "$WORK/bob.out") == 0 ]] || fail "bob got alice's JOIN #Rust, but he joined after her"

# PART of the default room; the room stays for bob, alice no longer gets its messages.
say alice 'PART #lobby :brb'
expect_text_next alice 'PART #lobby alice' 'brb'
expect_text bob 'PART #lobby alice' 'brb'
say bob 'SEND #lobby :alone'
expect_text_next bob 'MSG #lobby bob 1 TIME' 'alone'
say bob 'SEND alice :ping me'
expect_text alice 'MSG alice bob 1 TIME' 'ping me'
refute alice 'alone'

# Bad room names: no #, or a character a room name cannot hold.
say alice 'JOIN rust'
expect_text_next alice 'ERR BAD_ROOM JOIN' "$BAD_ROOM"
say alice 'JOIN #a/b'
expect_text_next alice 'ERR BAD_ROOM JOIN' 'a name is 1 to 49 letters, digits, _ - or .'

pass
