#!/usr/bin/env bash
# UTF-8: a nick like Conceição, rooms like #café, text with 漢字 and 👍🏽 (an emoji with a skin-tone modifier) all arrive
# byte for byte. Names are normalized to NFC (a decomposed "ç" is the same nick); text is passed on untouched.
source "$(dirname "$0")/common.sh"

register conc 'Conceição'
register bob bob 'Conceição bob'
expect conc 'JOIN #lobby bob'

TEXT='漢字 e 👍🏽, ção!'
say conc "SEND #lobby :$TEXT"
expect_text_next bob 'MSG #lobby Conceição 1 TIME' "$TEXT"
cmp <(raw_payload bob) <(printf '\xe6\xbc\xa2\xe5\xad\x97 e \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd, \xc3\xa7\xc3\xa3o!') \
    || fail "bob: the text is not byte-exact"
expect_text_next conc 'MSG #lobby Conceição 1 TIME' "$TEXT"
cmp <(raw_payload conc) <(printf '%s' "$TEXT") || fail "Conceição: the echo is not byte-exact"

# The length form counts bytes: 漢字 is 6 bytes, 👍🏽 is 8.
say_raw bob 'SEND #lobby 14\n漢字👍🏽\n'
expect_text_next bob 'MSG #lobby bob 2 TIME' '漢字👍🏽'
expect_text_next conc 'MSG #lobby bob 2 TIME' '漢字👍🏽'
cmp <(raw_payload conc) <(printf '\xe6\xbc\xa2\xe5\xad\x97\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd') || fail "Conceição: 14 bytes differ"

# Text is not normalized: a decomposed é (e + U+0301) arrives as it was sent.
say_raw bob 'SEND #lobby :caf\x65\xcc\x81\n'
expect_text_next conc 'MSG #lobby bob 3 TIME' $'cafe\xcc\x81'
cmp <(raw_payload conc) <(printf 'cafe\xcc\x81') || fail "Conceição: the decomposed text was changed"

# A private message, addressed in lower case, is written with the recipient's spelling.
say bob 'SEND conceição :obrigado 🙏'
expect_text bob 'MSG Conceição bob 1 TIME' 'obrigado 🙏'
expect_text_next conc 'MSG Conceição bob 1 TIME' 'obrigado 🙏'

# The same nick, decomposed (c + U+0327 COMBINING CEDILLA, a + U+0303 COMBINING TILDE), is taken.
client nfd
say_raw nfd 'NICK Conceic\xcc\xa7a\xcc\x83o\n'
expect_re nfd "$HELLO_RE"
expect_text_next nfd 'ERR NICK_IN_USE NICK' 'Conceição is taken'
say nfd 'NICK 大卫'
expect_next nfd 'NICK * 大卫' 'JOIN #lobby 大卫'
expect_text_next nfd 'NAMES #lobby' 'Conceição bob 大卫'
expect_next nfd 'HISTORY #lobby 3' # the room's messages so far, byte for byte
expect_text_next nfd 'MSG #lobby Conceição 1 TIME' "$TEXT"
expect_text_next nfd 'MSG #lobby bob 2 TIME' '漢字👍🏽'
expect_text_next nfd 'MSG #lobby bob 3 TIME' $'cafe\xcc\x81'
cmp <(raw_payload nfd) <(printf 'cafe\xcc\x81') || fail "大卫: the decomposed text from history was changed"

# Rooms: #café, joined once composed and once decomposed, is one room, spelled as its creator did.
say conc 'JOIN #café'
expect conc 'JOIN #café Conceição'
expect_text_next conc 'NAMES #café' 'Conceição'
expect_next conc 'HISTORY #café 0'
say_raw bob 'JOIN #cafe\xcc\x81\n'
expect bob 'JOIN #café bob'
expect_text_next bob 'NAMES #café' 'Conceição bob'
expect_next bob 'HISTORY #café 0'
expect_next conc 'JOIN #café bob'
say conc 'SEND #CAFÉ :☕ bom dia'
expect_text_next conc 'MSG #café Conceição 1 TIME' '☕ bom dia'
expect_text_next bob 'MSG #café Conceição 1 TIME' '☕ bom dia'

# Not UTF-8 in a name: ERR BAD_FRAME (an argument must be valid UTF-8), and the session goes on.
say_raw bob 'JOIN #caf\xe9\n'
expect_text_next bob 'ERR BAD_FRAME JOIN' 'arguments must be valid UTF-8 without control characters'

say conc 'QUIT :até logo'
expect_text bob 'QUIT Conceição' 'até logo'
expect_text nfd 'QUIT Conceição' 'até logo'

pass
