using System.Buffers;
using System.Text;
using TcpChat.Bench;
using TcpChat.Bench.Load;
using TcpChat.Bench.Protocols;

namespace TcpChat.Tests.Bench;

public sealed class ProtocolAdapterTests
{
    /// <summary>What a session reported, in order, as text.</summary>
    private sealed class Recorder : IProtocolEvents
    {
        public readonly List<string> Events = [];

        public void OnReady() => Events.Add("ready");

        public void OnMessage(ReadOnlySpan<byte> text) => Events.Add("msg " + Encoding.UTF8.GetString(text));

        public void OnError(string reason, bool fatal) => Events.Add((fatal ? "fatal " : "error ") + reason);
    }

    private static string Encode(Action<IBufferWriter<byte>> write)
    {
        var w = new ArrayBufferWriter<byte>();
        write(w);
        return Encoding.UTF8.GetString(w.WrittenSpan);
    }

    /// <summary>Feeds the bytes the way a socket might, keeping what is not consumed; returns events and replies.</summary>
    private static (List<string> Events, string Replies, int Left) Feed(IProtocolSession session, params byte[][] chunks)
    {
        var events = new Recorder();
        var replies = new ArrayBufferWriter<byte>();
        var buffer = new List<byte>();
        foreach (var chunk in chunks)
        {
            buffer.AddRange(chunk);
            int used = session.Parse(buffer.ToArray(), replies, events);
            buffer.RemoveRange(0, used);
        }
        return (events.Events, Encoding.UTF8.GetString(replies.WrittenSpan), buffer.Count);
    }

    /// <summary>Every split of <paramref name="stream"/> into two reads gives the same events and replies as one read.</summary>
    private static void SameAtEverySplit(Func<IProtocolSession> session, string stream)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(stream);
        var whole = Feed(session(), bytes);
        Assert.Equal(0, whole.Left);
        for (int i = 1; i < bytes.Length; i++)
        {
            var split = Feed(session(), bytes[..i], bytes[i..]);
            Assert.Equal(whole.Events, split.Events);
            Assert.Equal(whole.Replies, split.Replies);
            Assert.Equal(0, split.Left);
        }
        var byteByByte = Feed(session(), bytes.Select(b => new[] { b }).ToArray());
        Assert.Equal(whole.Events, byteByByte.Events);
    }

    // TcpChat

    [Fact]
    public void TcpChatRegistersJoinsAndSendsInTheLengthForm()
    {
        var p = new TcpChatProtocol();
        Assert.Equal("NICK abc1\nJOIN #babc\n", Encode(w => p.NewSession("abc1", "#babc", false).Start(w)));
        Assert.Equal("SEND #babc 5\nhello\n", Encode(w => p.WritePublish(w, "#babc", "hello"u8)));
        Assert.Equal("#babc", p.RoomName("abc"));
        Assert.True(p.EchoesToSender);
    }

    private const string TcpChatStream =
        "HELLO tcpchat/1 bench max_line=4096 max_payload=65536 ping=60 history=100\n"
        + "NICK * abc1\nJOIN #babc abc1\nNAMES #babc 9\nabc0 abc1\nHISTORY #babc 0\n"
        + "MSG #babc abc0 1 2026-11-21T10:00:00.123Z 5\nhello\n"
        + "MSG #other abc0 2 2026-11-21T10:00:00.124Z 3\nnot\n"
        + "MSG #babc abc0 3 2026-11-21T10:00:00.125Z 10\ntwo\r\nlines\r\n"
        + "PING 42\n"
        + "ERR NOT_IN_ROOM SEND 6\nnot in\n"
        + "BYE 13\nshutting down\n";

    [Fact]
    public void TcpChatReadsMessagesOfItsRoomAnswersPingAndReportsErrors()
    {
        var (events, replies, left) = Feed(new TcpChatProtocol().NewSession("abc1", "#babc", false), Encoding.UTF8.GetBytes(TcpChatStream));
        Assert.Equal(["ready", "msg hello", "msg two\r\nlines", "error ERR NOT_IN_ROOM SEND 6 not in", "fatal BYE shutting down"], events);
        Assert.Equal("PONG 42\n", replies);
        Assert.Equal(0, left);
    }

    [Fact]
    public void TcpChatGivesTheSameEventsWhereverTheStreamIsCut() =>
        SameAtEverySplit(() => new TcpChatProtocol().NewSession("abc1", "#babc", false), TcpChatStream);

    [Fact]
    public void TcpChatWaitsForTheWholeTextBeforeReportingAMessage()
    {
        var (events, _, left) = Feed(new TcpChatProtocol().NewSession("a", "#r", false), "MSG #r a 1 t 10\nhello"u8.ToArray());
        Assert.Empty(events);
        Assert.Equal("MSG #r a 1 t 10\nhello".Length, left);
    }

    [Fact]
    public void TcpChatRefusesATextNotFollowedByItsLineFeed() =>
        Assert.Throws<BenchException>(() => Feed(new TcpChatProtocol().NewSession("a", "#r", false), "MSG #r a 1 t 2\nhiX\n"u8.ToArray()));

    // IRC

    [Fact]
    public void IrcRegistersThenJoinsOnWelcomeAndSendsPrivmsg()
    {
        var p = new IrcProtocol();
        Assert.Equal("NICK abc1\r\nUSER abc1 0 * :abc1\r\n", Encode(w => p.NewSession("abc1", "#babc", false).Start(w)));
        Assert.Equal("PRIVMSG #babc :hello\r\n", Encode(w => p.WritePublish(w, "#babc", "hello"u8)));
        Assert.False(p.EchoesToSender);
        var (_, replies, _) = Feed(p.NewSession("abc1", "#babc", false), ":srv 001 abc1 :Welcome\r\n"u8.ToArray());
        Assert.Equal("JOIN #babc\r\n", replies);
    }

    [Fact]
    public void AnIrcPublisherWithAnOperLoginOpersAndSetsModeFBeforeJoining()
    {
        var p = new IrcProtocol("bench:secret");
        var (_, replies, _) = Feed(p.NewSession("abcs", "#babc", publisher: true), ":srv 001 abcs :Welcome\r\n"u8.ToArray());
        Assert.Equal("OPER bench secret\r\nMODE abcs +F\r\nJOIN #babc\r\n", replies);
        var (_, receiver, _) = Feed(p.NewSession("abc1", "#babc", publisher: false), ":srv 001 abc1 :Welcome\r\n"u8.ToArray());
        Assert.Equal("JOIN #babc\r\n", receiver);
    }

    private const string IrcStream =
        ":srv NOTICE * :*** Looking up your hostname\r\n"
        + ":srv 001 abc1 :Welcome to the network\r\n"
        + ":abc1!abc1@127.0.0.1 JOIN :#babc\r\n"
        + ":srv 353 abc1 = #babc :abc0 abc1\r\n"
        + ":srv 366 abc1 #babc :End of NAMES list\r\n"
        + ":abc0!abc0@127.0.0.1 PRIVMSG #babc :hello world\r\n"
        + ":abc0!abc0@127.0.0.1 PRIVMSG abc1 :private, not the room\r\n"
        + "PING :srv\r\n"
        + ":srv 404 abc1 #babc :Cannot send to channel\r\n"
        + ":abc0!abc0@127.0.0.1 PRIVMSG #babc :second\n"
        + "ERROR :Closing link: (Excess Flood)\r\n";

    [Fact]
    public void IrcReadsChannelMessagesAnswersPingAndReportsErrors()
    {
        var (events, replies, left) = Feed(new IrcProtocol().NewSession("abc1", "#babc", false), Encoding.UTF8.GetBytes(IrcStream));
        Assert.Equal(["ready", "msg hello world", "error :srv 404 abc1 #babc :Cannot send to channel", "msg second",
            "fatal ERROR :Closing link: (Excess Flood)"], events);
        Assert.Equal("JOIN #babc\r\nPONG :srv\r\n", replies);
        Assert.Equal(0, left);
    }

    [Fact]
    public void IrcGivesTheSameEventsWhereverTheStreamIsCut() =>
        SameAtEverySplit(() => new IrcProtocol().NewSession("abc1", "#babc", false), IrcStream);

    [Fact]
    public void IrcNickInUseEndsTheSession()
    {
        var (events, _, _) = Feed(new IrcProtocol().NewSession("abc1", "#babc", false), ":srv 433 * abc1 :Nickname is already in use\r\n"u8.ToArray());
        Assert.Equal(["fatal :srv 433 * abc1 :Nickname is already in use"], events);
    }

    // NATS

    [Fact]
    public void NatsConnectsSubscribesAndPingsAndTheSenderDoesNotSubscribe()
    {
        var p = new NatsProtocol();
        Assert.Equal("CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"abc1\"}\r\nSUB bench.abc 1\r\nPING\r\n",
            Encode(w => p.NewSession("abc1", "bench.abc", false).Start(w)));
        Assert.Equal("CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"abcs\"}\r\nPING\r\n",
            Encode(w => p.NewSession("abcs", "bench.abc", true).Start(w)));
        Assert.Equal("PUB bench.abc 5\r\nhello\r\n", Encode(w => p.WritePublish(w, "bench.abc", "hello"u8)));
        Assert.Equal("bench.abc", p.RoomName("abc"));
    }

    private const string NatsStream =
        "INFO {\"server_id\":\"X\",\"max_payload\":1048576}\r\n"
        + "PONG\r\n"
        + "MSG bench.abc 1 5\r\nhello\r\n"
        + "MSG bench.abc 1 reply.to 13\r\nwith\r\nnewline\r\n"
        + "PING\r\n"
        + "+OK\r\n"
        + "PONG\r\n"
        + "-ERR 'Slow Consumer'\r\n";

    [Fact]
    public void NatsReadsMessagesIsReadyOnTheFirstPongAndAnswersPing()
    {
        var (events, replies, left) = Feed(new NatsProtocol().NewSession("abc1", "bench.abc", false), Encoding.UTF8.GetBytes(NatsStream));
        Assert.Equal(["ready", "msg hello", "msg with\r\nnewline", "fatal -ERR 'Slow Consumer'"], events);
        Assert.Equal("PONG\r\n", replies);
        Assert.Equal(0, left);
    }

    [Fact]
    public void NatsGivesTheSameEventsWhereverTheStreamIsCut() =>
        SameAtEverySplit(() => new NatsProtocol().NewSession("abc1", "bench.abc", false), NatsStream);

    [Fact]
    public void NatsRefusesAPayloadNotFollowedByCrLf() =>
        Assert.Throws<BenchException>(() => Feed(new NatsProtocol().NewSession("a", "s", false), "MSG s 1 2\r\nhiXX"u8.ToArray()));

    // The message text every protocol carries

    [Fact]
    public void PayloadFieldsRoundTripAndFillTheSize()
    {
        byte[] text = new byte[128];
        Payload.Write(text, seq: 123_456, scheduled: 9_876_543_210_123, sender: 42);
        Assert.True(Payload.TryRead(text, out long seq, out long scheduled, out int sender));
        Assert.Equal((123_456L, 9_876_543_210_123L, 42), (seq, scheduled, sender));
        Assert.All(text, b => Assert.InRange(b, (byte)0x21, (byte)0x7E)); // printable: IRC carries it as is
    }

    [Fact]
    public void PayloadRejectsTextThatIsNotOne()
    {
        Assert.False(Payload.TryRead("hello"u8, out _, out _, out _));
        Assert.False(Payload.TryRead(Encoding.ASCII.GetBytes(new string('x', 64)), out _, out _, out _));
        Assert.Throws<ArgumentException>(() => Payload.Write(new byte[Payload.MinSize - 1], 1, 1, 1));
    }

    [Fact]
    public void ProtocolsAreFoundByName()
    {
        Assert.IsType<TcpChatProtocol>(ChatProtocol.Parse("tcpchat"));
        Assert.IsType<IrcProtocol>(ChatProtocol.Parse("IRC"));
        Assert.IsType<NatsProtocol>(ChatProtocol.Parse("nats"));
        Assert.Throws<BenchException>(() => ChatProtocol.Parse("xmpp"));
    }
}
