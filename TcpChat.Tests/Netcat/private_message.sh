#!/usr/bin/env bash
# A private message goes to the recipient and is echoed to the sender, with the recipient's nick as target; a third
# user in the same room sees nothing of it. A nick nobody has gets ERR NO_SUCH_NICK, and nothing is delivered.
source "$(dirname "$0")/common.sh"

register alice alice
register bob bob 'alice bob'
register carol carol 'alice bob carol'

say alice 'SEND bob :psst, bob'
expect_text bob 'MSG bob alice 1 TIME' 'psst, bob'
expect_text alice 'MSG bob alice 1 TIME' 'psst, bob'

# The answer, addressed with another case: the target is written as the recipient spells it. Ids keep increasing.
say bob 'SEND ALICE :yes?'
expect_text_next bob 'MSG alice bob 2 TIME' 'yes?'
expect_text_next alice 'MSG alice bob 2 TIME' 'yes?'

# The length form works for private messages too.
say_raw alice 'SEND bob 13\nline 1\nline 2\n'
expect_text_next bob 'MSG bob alice 3 TIME' $'line 1\nline 2'
expect_text_next alice 'MSG bob alice 3 TIME' $'line 1\nline 2'

say alice 'SEND dave :anyone there?'
expect_text_next alice 'ERR NO_SUCH_NICK SEND' 'no one is called dave'
say alice 'SEND 9lives :not a nick at all'
expect_text_next alice 'ERR NO_SUCH_NICK SEND' 'no one is called 9lives'

# The session goes on; and this room message, sent after them, shows that nothing else reached bob or carol.
say alice 'SEND #lobby :done'
expect_text_next alice 'MSG #lobby alice 1 TIME' 'done'
expect_text carol 'MSG #lobby alice 1 TIME' 'done'
expect_text bob 'MSG #lobby alice 1 TIME' 'done'
for who in bob carol; do
    refute "$who" 'anyone there?'
    refute "$who" 'not a nick at all'
done
refute carol 'psst, bob'
refute carol 'yes?'
if grep -aq '^MSG [a-z]* ' "$WORK/carol.out"; then fail "carol received a private message"; fi

pass
