#!/usr/bin/env bash
# Bad input. An error that keeps the framing intact gets ERR and the session goes on: unknown verb, wrong arguments,
# bad text, anything but PING/PONG/QUIT before NICK. One that breaks the framing gets ERR, then BYE, then the server
# closes: a huge length, a control line over max_line (even before its LF), a wrong byte after a payload.
source "$(dirname "$0")/common.sh"

client alice
expect_re alice "$HELLO_RE"
say alice 'JOIN #lobby'
expect_text_next alice 'ERR NEED_NICK JOIN' 'register first: NICK <nick>'
say alice 'PING before-nick'
expect_next alice 'PONG before-nick'
say alice 'NICK alice'
expect_next alice 'NICK * alice' 'JOIN #lobby alice'
expect_text_next alice 'NAMES #lobby' 'alice'
expect_next alice 'HISTORY #lobby 0'

say alice 'FOO bar baz'
expect_text_next alice 'ERR UNKNOWN_VERB FOO' 'unknown verb FOO'
say alice 'msg #lobby alice 1 2026-01-01T00:00:00.000Z :server verbs are not client verbs'
expect_text_next alice 'ERR UNKNOWN_VERB MSG' 'unknown verb MSG'
say alice 'SEND #lobby :still here'
expect_text_next alice 'MSG #lobby alice 1 TIME' 'still here'

say alice 'SEND #lobby'
expect_text_next alice 'ERR BAD_FRAME SEND' 'SEND takes 1 argument(s) and text'
say alice 'SEND #lobby hello'
expect_text_next alice 'ERR BAD_FRAME SEND' 'give the text as :text or as its length in bytes followed by the text on the next line'
say alice 'JOIN'
expect_text_next alice 'ERR BAD_FRAME JOIN' 'JOIN takes 1 argument(s) and no text'
say alice 'NICK a b c'
expect_text_next alice 'ERR BAD_FRAME NICK' 'NICK takes 1 to 2 argument(s) and no text'
say alice 'SEND #lobby :'
expect_text_next alice 'ERR BAD_TEXT SEND' 'empty text: nothing to send'
say_raw alice 'SEND #lobby :\e[31mred\n'
expect_text_next alice 'ERR BAD_TEXT SEND' 'text must not hold control characters (only LF and TAB are allowed)'
say_raw alice 'SEND #lobby 3\na\rb\n'
expect_text_next alice 'ERR BAD_TEXT SEND' 'text must not hold control characters (only LF and TAB are allowed)'
say_raw alice 'SEND #lobby :caf\xe9\n'
expect_text_next alice 'ERR BAD_TEXT SEND' 'text must be valid UTF-8'
# A frame with a bad argument but a valid length still owns its payload: the 4 bytes "QUIT" are text, not a frame.
say_raw alice 'SEND bad\x01nick 4\nQUIT\n'
expect_text_next alice 'ERR BAD_FRAME SEND' 'arguments must be valid UTF-8 without control characters'
# Lines that are empty or only spaces are ignored: the next thing alice gets is the answer to the next frame.
say alice ''
say alice '   '
say_raw alice '\r\n'
say alice 'SEND #lobby :still here, still 1 message'
expect_text_next alice 'MSG #lobby alice 2 TIME' 'still here, still 1 message'

# A huge length: ERR TOO_LONG, BYE, and the server closes; nc, whose input has ended, exits by itself.
printf 'NICK mallory\nSEND #lobby 99999999999\n' | timeout "$WAIT_TIMEOUT" nc "$HOST" "$TCPCHAT_PORT" > "$WORK/mallory.out" \
    || fail "nc did not exit by itself within ${WAIT_TIMEOUT}s (exit code $?): the server did not close"
track mallory "printf ... | nc $HOST $TCPCHAT_PORT"
expect_re mallory "$HELLO_RE"
expect_next mallory 'NICK * mallory' 'JOIN #lobby mallory'
expect_text mallory 'ERR TOO_LONG SEND' 'text of 99999999999 bytes exceeds max_payload=65536'
expect_text_next mallory 'BYE' 'text of 99999999999 bytes exceeds max_payload=65536'
read_lines mallory
((${#LINES[@]} == CUR[mallory])) || fail "mallory: frames after BYE"
expect alice 'JOIN #lobby mallory'
expect_text_next alice 'QUIT mallory' 'protocol error'

# A control line longer than max_line, with no LF yet: the server does not wait for the LF. Before NICK the limit is
# the tighter one of an unregistered connection (512 bytes).
client long
expect_re long "$HELLO_RE"
say_raw long "SEND #lobby :$(printf '%5000s' '' | tr ' ' x)"
expect_text_next long 'ERR TOO_LONG *' 'control line exceeds max_line=512 bytes'
expect_text_next long 'BYE' 'control line exceeds max_line=512 bytes'
close_input long # nc (no -N) exits once its input has ended and the server has closed
wait_exit long

# A wrong byte where the LF after a payload belongs.
client trudy
say trudy 'NICK trudy'
expect_text trudy 'NAMES #lobby' 'alice trudy'
expect_next trudy 'HISTORY #lobby 2' # the room's messages so far, then live ones
expect_text_next trudy 'MSG #lobby alice 1 TIME' 'still here'
expect_text_next trudy 'MSG #lobby alice 2 TIME' 'still here, still 1 message'
say_raw trudy 'SEND #lobby 2\nhiX\n'
expect_text_next trudy 'ERR BAD_FRAME SEND' 'expected LF after the 2-byte text'
expect_text_next trudy 'BYE' 'expected LF after the 2-byte text'
expect_text alice 'QUIT trudy' 'protocol error'
refute alice 'hi'

# A negative length.
client oscar
say_raw oscar 'NICK oscar\nSEND #lobby -5\n'
expect_text oscar 'ERR BAD_FRAME SEND' 'bad length -5'
expect_text_next oscar 'BYE' 'bad length -5'
expect_text alice 'QUIT oscar' 'protocol error'

# alice's session went on through all of it.
say alice 'SEND #lobby :bye now'
expect_text alice 'MSG #lobby alice 3 TIME' 'bye now'

pass
