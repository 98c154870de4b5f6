using System.Buffers;
using System.Text;

namespace TcpChat.Bench.Protocols;

/// <summary>
/// The NATS client text protocol, the part pub/sub needs: CONNECT, SUB to the room's subject (receivers only: the
/// publisher does not subscribe, so, as in IRC, it gets no copy of its own messages), PUB, MSG, PING/PONG. Ready when
/// the PONG to the PING sent after SUB arrives: the server has processed the SUB by then.
/// </summary>
public sealed class NatsProtocol : ChatProtocol
{
    public override string Name => "nats";

    public override int DefaultPort => 4222;

    public override bool EchoesToSender => false;

    public override int MaxText => 1024 * 1024;

    public override string RoomName(string token) => "bench." + token;

    public override IProtocolSession NewSession(string nick, string room, bool publisher) => new Session(nick, room, publisher);

    // PUB <subject> <#bytes>\r\n[payload]\r\n
    public override void WritePublish(IBufferWriter<byte> output, string room, ReadOnlySpan<byte> text)
    {
        Write(output, "PUB ");
        Write(output, room);
        Write(output, " "u8);
        WriteNumber(output, text.Length);
        Write(output, "\r\n"u8);
        Write(output, text);
        Write(output, "\r\n"u8);
    }

    private sealed class Session(string nick, string subject, bool publisher) : IProtocolSession
    {
        private bool _ready;

        // CONNECT {"verbose":false,"pedantic":false,"name":"<nick>"}\r\n [SUB <subject> 1\r\n] PING\r\n
        public void Start(IBufferWriter<byte> output) => Write(output,
            $"CONNECT {{\"verbose\":false,\"pedantic\":false,\"name\":\"{nick}\"}}\r\n"
            + (publisher ? "" : $"SUB {subject} 1\r\n") + "PING\r\n");

        public int Parse(ReadOnlySpan<byte> input, IBufferWriter<byte> output, IProtocolEvents events)
        {
            int consumed = 0;
            while (true)
            {
                int used = ParseOne(input[consumed..], output, events);
                if (used == 0) return consumed;
                consumed += used;
            }
        }

        private int ParseOne(ReadOnlySpan<byte> input, IBufferWriter<byte> output, IProtocolEvents events)
        {
            int lf = input.IndexOf((byte)'\n');
            if (lf < 0) return 0;
            ReadOnlySpan<byte> line = input[..lf];
            if (!line.IsEmpty && line[^1] == '\r') line = line[..^1];
            int used = lf + 1;
            ReadOnlySpan<byte> rest = line;
            ReadOnlySpan<byte> op = NextToken(ref rest);

            if (op.SequenceEqual("MSG"u8))
            {
                // MSG <subject> <sid> [reply-to] <#bytes>\r\n[payload]\r\n
                Span<Range> args = stackalloc Range[5];
                int argc = Tokens(rest, args);
                if (argc is < 3 or > 4 || !TryNumber(rest[args[argc - 1]], out int length))
                    throw new BenchException($"bad MSG from the server: {Encoding.UTF8.GetString(line)}");
                if (input.Length < used + length + 2) return 0;
                ReadOnlySpan<byte> payload = input.Slice(used, length);
                if (input[used + length] != '\r' || input[used + length + 1] != '\n')
                    throw new BenchException($"no CR LF after the {length}-byte payload of MSG");
                events.OnMessage(payload);
                return used + length + 2;
            }
            if (op.SequenceEqual("PING"u8)) Write(output, "PONG\r\n"u8);
            else if (op.SequenceEqual("PONG"u8))
            {
                if (!_ready)
                {
                    _ready = true;
                    events.OnReady();
                }
            }
            else if (op.SequenceEqual("-ERR"u8)) events.OnError(Encoding.UTF8.GetString(line), fatal: true);
            // INFO {...} and +OK need nothing.
            return used;
        }
    }
}
