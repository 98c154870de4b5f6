using System.Buffers;
using System.Text;

namespace TcpChat.Bench.Protocols;

/// <summary>
/// The IRC client protocol (RFC 1459/2812), the part a chat user needs: NICK/USER to register, JOIN once welcomed (001),
/// PRIVMSG to the channel, PONG to every PING. Ready when the channel's end of NAMES (366) arrives. A publisher may
/// be given an operator login (<c>name:password</c>): it sends OPER and sets user mode +F, which is how ngIRCd lets an
/// operator past its flood throttling.
/// </summary>
public sealed class IrcProtocol(string? oper = null) : ChatProtocol
{
    public override string Name => "irc";

    public override int DefaultPort => 6667;

    public override bool EchoesToSender => false;

    /// <summary>512 bytes a line, less the prefix (<c>:nick!user@host</c>), command, channel and CR LF the server adds.</summary>
    public override int MaxText => 380;

    public override string RoomName(string token) => "#b" + token;

    public override IProtocolSession NewSession(string nick, string room, bool publisher) =>
        new Session(nick, room, publisher ? oper : null);

    // PRIVMSG <#channel> :<text>\r\n
    public override void WritePublish(IBufferWriter<byte> output, string room, ReadOnlySpan<byte> text)
    {
        Write(output, "PRIVMSG ");
        Write(output, room);
        Write(output, " :"u8);
        Write(output, text);
        Write(output, "\r\n"u8);
    }

    private sealed class Session(string nick, string room, string? oper) : IProtocolSession
    {
        private readonly byte[] _room = Encoding.UTF8.GetBytes(room);

        // NICK <nick>\r\nUSER <user> 0 * :<realname>\r\n; JOIN waits for the welcome (001): before it, a server may
        // still be registering the client (ERR_NOTREGISTERED).
        public void Start(IBufferWriter<byte> output) => Write(output, $"NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n");

        public int Parse(ReadOnlySpan<byte> input, IBufferWriter<byte> output, IProtocolEvents events)
        {
            int consumed = 0;
            while (true)
            {
                int lf = input[consumed..].IndexOf((byte)'\n');
                if (lf < 0) return consumed;
                ReadOnlySpan<byte> line = input.Slice(consumed, lf);
                consumed += lf + 1;
                if (!line.IsEmpty && line[^1] == '\r') line = line[..^1];
                if (!line.IsEmpty) OnLine(line, output, events);
            }
        }

        // message = [ ":" prefix SP ] command [ params ] ; params end with [ SP ":" trailing ]
        private void OnLine(ReadOnlySpan<byte> line, IBufferWriter<byte> output, IProtocolEvents events)
        {
            ReadOnlySpan<byte> rest = line;
            if (rest[0] == ':') NextToken(ref rest); // the prefix
            ReadOnlySpan<byte> command = NextToken(ref rest);

            if (command.SequenceEqual("PRIVMSG"u8))
            {
                // PRIVMSG <target> :<text>
                ReadOnlySpan<byte> target = NextToken(ref rest);
                if (target.SequenceEqual(_room)) events.OnMessage(!rest.IsEmpty && rest[0] == ':' ? rest[1..] : rest);
            }
            else if (command.SequenceEqual("PING"u8))
            {
                // PING <token> -> PONG <token>
                Write(output, "PONG "u8);
                Write(output, rest);
                Write(output, "\r\n"u8);
            }
            else if (command.SequenceEqual("001"u8))
            {
                // RPL_WELCOME: registered.
                if (oper?.Split(':', 2) is [var name, var password])
                    Write(output, $"OPER {name} {password}\r\nMODE {nick} +F\r\n");
                Write(output, $"JOIN {room}\r\n");
            }
            else if (command.SequenceEqual("366"u8))
            {
                // RPL_ENDOFNAMES <nick> <channel> :End of NAMES list
                NextToken(ref rest);
                if (NextToken(ref rest).SequenceEqual(_room)) events.OnReady();
            }
            else if (command.SequenceEqual("ERROR"u8))
            {
                events.OnError(Encoding.UTF8.GetString(line), fatal: true);
            }
            else if (command.Length == 3 && command[0] is (byte)'4' or (byte)'5')
            {
                // Error numerics. Those that leave the client unregistered or outside its channel end the session.
                bool fatal = command.SequenceEqual("432"u8) || command.SequenceEqual("433"u8) || command.SequenceEqual("436"u8)
                    || command.SequenceEqual("405"u8) || command.SequenceEqual("451"u8) || command.SequenceEqual("465"u8)
                    || (command[0] == '4' && command[1] == '7' && command[2] is >= (byte)'1' and <= (byte)'5');
                events.OnError(Encoding.UTF8.GetString(line), fatal);
            }
        }
    }
}
