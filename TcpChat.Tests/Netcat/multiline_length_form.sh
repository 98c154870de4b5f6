#!/usr/bin/env bash
# A script sends multi-line text in the length form (`printf 'SEND #lobby 11\nhello\nworld\n' | nc`), and the peer
# receives it intact, byte for byte: the server counts bytes, not lines, and always writes the length form itself.
source "$(dirname "$0")/common.sh"

register peer peer

# The poster is a one-shot script: register, send two multi-line texts, quit. QUIT makes the server close, so nc
# exits by itself. The second text has an empty line, a TAB, a trailing LF, and its payload ends with CRLF.
printf 'NICK poster\nSEND #lobby 11\nhello\nworld\nSEND #lobby 14\nfirst\n\n\tthird\n\r\nQUIT\n' \
    | timeout "$WAIT_TIMEOUT" nc "$HOST" "$TCPCHAT_PORT" > "$WORK/poster.out" \
    || fail "the poster's nc did not exit by itself within ${WAIT_TIMEOUT}s (exit code $?)"

expect_next peer 'JOIN #lobby poster'
expect_text_next peer 'MSG #lobby poster 1 TIME' $'hello\nworld'
cmp <(raw_payload peer) <(printf 'hello\nworld') || fail "peer: the 11-byte text is not 'hello\\nworld'"
expect_text_next peer 'MSG #lobby poster 2 TIME' $'first\n\n\tthird\n'
cmp <(raw_payload peer) <(printf 'first\n\n\tthird\n') || fail "peer: the 14-byte text differs"
expect_text_next peer 'QUIT poster' 'quit'

# The poster got the same frames as echoes, and BYE last.
track poster "printf ... | nc $HOST $TCPCHAT_PORT"
expect_text poster 'MSG #lobby poster 1 TIME' $'hello\nworld'
expect_text_next poster 'MSG #lobby poster 2 TIME' $'first\n\n\tthird\n'
expect_text_next poster 'BYE' 'bye'

# The same text typed in the inline form cannot hold the newline: the rest of the line is the text, and the next
# line is a frame of its own (here an unknown verb).
say peer 'SEND #lobby :hello'
say peer 'world'
expect_text_next peer 'MSG #lobby peer 3 TIME' 'hello'
expect_text_next peer 'ERR UNKNOWN_VERB WORLD' 'unknown verb WORLD'

# A length that counts bytes, not characters: "olá" is 4 bytes.
say_raw peer 'SEND #lobby 4\nol\xc3\xa1\n'
expect_text_next peer 'MSG #lobby peer 4 TIME' 'olá'

pass
