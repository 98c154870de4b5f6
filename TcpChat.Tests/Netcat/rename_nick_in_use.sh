#!/usr/bin/env bash
# NICK renames: the user and everyone sharing a room see "NICK old new". A nick already taken, without regard to case
# (JOÃO and joão clash) or to Unicode normalization, gets ERR NICK_IN_USE; a user may change the case of its own nick.
source "$(dirname "$0")/common.sh"

register alice alice
register bob bob 'alice bob'
register carol 'joão' 'alice bob joão'

say alice 'NICK alicia'
expect alice 'NICK alice alicia'
expect bob 'NICK alice alicia'
expect carol 'NICK alice alicia'
say bob 'NAMES #lobby'
expect_text_next bob 'NAMES #lobby' 'alicia bob joão'

say bob 'NICK alicia'
expect_text_next bob 'ERR NICK_IN_USE NICK' 'alicia is taken'
say bob 'NICK ALICIA'
expect_text_next bob 'ERR NICK_IN_USE NICK' 'ALICIA is taken'
say bob 'NICK JOÃO'
expect_text_next bob 'ERR NICK_IN_USE NICK' 'JOÃO is taken'
# j o a + U+0303 COMBINING TILDE + o: the same nick once normalized (NFC).
say_raw bob 'NICK joa\xcc\x83o\n'
expect_text_next bob 'ERR NICK_IN_USE NICK' 'joão is taken'

# A newcomer cannot take it either, and stays unregistered.
client dan
say dan 'NICK JOÃO'
expect_re dan "$HELLO_RE"
expect_text_next dan 'ERR NICK_IN_USE NICK' 'JOÃO is taken'
say dan 'SEND #lobby :hello?'
expect_text_next dan 'ERR NEED_NICK SEND' 'register first: NICK <nick>'
say dan 'NICK dan'
expect_next dan 'NICK * dan' 'JOIN #lobby dan'
expect_text_next dan 'NAMES #lobby' 'alicia bob joão dan'
expect_next dan 'HISTORY #lobby 0'

# joão may change its own case.
say carol 'NICK João'
expect carol 'NICK joão João'
expect bob 'NICK joão João'
expect dan 'NICK joão João'

# The old nick is free again; bad nicks get ERR BAD_NICK and change nothing.
say bob 'NICK alice'
expect_next bob 'NICK bob alice'
expect alice 'NICK bob alice'
say bob 'NICK 2fast'
expect_text_next bob 'ERR BAD_NICK NICK' 'a nick must not start with a digit or #'
say bob 'NICK a!b'
expect_text_next bob 'ERR BAD_NICK NICK' 'a name is 1 to 32 letters, digits, _ - or .'
say bob 'NICK abcdefghijklmnopqrstuvwxyz0123456'
expect_text_next bob 'ERR BAD_NICK NICK' 'a name is 1 to 32 letters, digits, _ - or .'

say bob 'NAMES #lobby'
expect_text_next bob 'NAMES #lobby' 'alicia alice João dan'
say bob 'SEND #lobby :I am alice now'
expect_text alice 'MSG #lobby alice 1 TIME' 'I am alice now'

pass
