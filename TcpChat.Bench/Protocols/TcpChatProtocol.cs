using System.Buffers;
using System.Text;
using TcpChat.Protocol;

namespace TcpChat.Bench.Protocols;

/// <summary>
/// The TcpChat protocol (docs/PROTOCOL.md). A lean reader of what the server writes, allocation-free on the MSG path:
/// the load generator must read faster than any server writes. Which verbs carry text, and how many arguments come
/// before it, is the protocol library's table (<see cref="Grammar.ServerToClient"/>).
/// </summary>
public sealed class TcpChatProtocol : ChatProtocol
{
    public override string Name => "tcpchat";

    public override int DefaultPort => ProtocolDefaults.Port;

    public override bool EchoesToSender => true;

    public override int MaxText => ProtocolDefaults.MaxPayload;

    public override string RoomName(string token) => "#b" + token;

    public override IProtocolSession NewSession(string nick, string room, bool publisher) => new Session(nick, room);

    // SEND <#room> <length>\n<text>\n
    public override void WritePublish(IBufferWriter<byte> output, string room, ReadOnlySpan<byte> text)
    {
        Write(output, "SEND ");
        Write(output, room);
        Write(output, " "u8);
        WriteNumber(output, text.Length);
        Write(output, "\n"u8);
        Write(output, text);
        Write(output, "\n"u8);
    }

    private sealed class Session(string nick, string room) : IProtocolSession
    {
        private readonly byte[] _room = Encoding.UTF8.GetBytes(room);

        // NICK <nick>\nJOIN <#room>\n: the server registers, then joins, in order.
        public void Start(IBufferWriter<byte> output) => Write(output, $"NICK {nick}\nJOIN {room}\n");

        public int Parse(ReadOnlySpan<byte> input, IBufferWriter<byte> output, IProtocolEvents events)
        {
            int consumed = 0;
            while (consumed < input.Length)
            {
                int used = ParseOne(input[consumed..], output, events);
                if (used == 0) break;
                consumed += used;
            }
            return consumed;
        }

        // control-line = verb *( SP arg ) [ SP length ] [CR] LF, then <length> bytes and [CR] LF when the verb carries text.
        private int ParseOne(ReadOnlySpan<byte> input, IBufferWriter<byte> output, IProtocolEvents events)
        {
            int lf = input.IndexOf((byte)'\n');
            if (lf < 0) return 0;
            ReadOnlySpan<byte> line = input[..lf];
            if (!line.IsEmpty && line[^1] == '\r') line = line[..^1];
            int used = lf + 1;
            ReadOnlySpan<byte> rest = line.Trim((byte)' ');
            if (rest.IsEmpty) return used; // a blank line

            Verb verb = Verbs.Lookup(NextToken(ref rest));
            Span<Range> argRanges = stackalloc Range[8];
            ReadOnlySpan<byte> args = rest;
            int argc = Tokens(args, argRanges);

            ReadOnlySpan<byte> text = default;
            VerbShape? shape = Grammar.ServerToClient.ShapeOf(verb);
            bool hasText = shape is { Text: TextRule.Required } || (shape is { Text: TextRule.Optional } s && argc > s.MinArgs);
            if (hasText)
            {
                if (argc == 0 || !TryNumber(args[argRanges[argc - 1]], out int length))
                    throw new BenchException($"bad frame from the server: {Encoding.UTF8.GetString(line)}");
                if (input.Length < used + length + 1) return 0; // the text is not all here yet
                text = input.Slice(used, length);
                used += length;
                if (input[used] == '\r')
                {
                    if (input.Length < used + 2) return 0;
                    used++;
                }
                if (input[used] != '\n') throw new BenchException($"no LF after the {length}-byte text of {verb.ToWire()}");
                used++;
                argc--;
            }

            switch (verb)
            {
                // MSG <target> <sender> <id> <time> <text>
                case Verb.Msg when argc >= 1 && args[argRanges[0]].SequenceEqual(_room):
                    events.OnMessage(text);
                    break;
                // NAMES <#room> <text>: the joiner's answer; what follows it is live.
                case Verb.Names when argc >= 1 && args[argRanges[0]].SequenceEqual(_room):
                    events.OnReady();
                    break;
                // PING [token]: PONG [token]
                case Verb.Ping:
                    Write(output, "PONG"u8);
                    if (argc > 0)
                    {
                        Write(output, " "u8);
                        Write(output, args[argRanges[0]]);
                    }
                    Write(output, "\n"u8);
                    break;
                // ERR <CODE> <VERB> <text> | BYE <text>
                case Verb.Err:
                    events.OnError($"ERR {Encoding.UTF8.GetString(args)} {Encoding.UTF8.GetString(text)}", fatal: false);
                    break;
                case Verb.Bye:
                    events.OnError($"BYE {Encoding.UTF8.GetString(text)}", fatal: true);
                    break;
            }
            return used;
        }
    }
}
