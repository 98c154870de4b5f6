using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server;

/// <summary>What users see, over real sockets against the real host on a free loopback port.</summary>
public sealed class ChatBehaviourTests : IAsyncLifetime
{
    private InProcessServer _server = null!;

    public async Task InitializeAsync() => _server = await InProcessServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task HelloAnnouncesVersionAndLimits()
    {
        await using var c = await _server.ConnectAsync();
        var hello = await c.NextAsync();
        Assert.Equal("HELLO tcpchat/1 test max_line=4096 max_payload=65536 ping=60 history=100 names=200", hello.ToString());
    }

    [Fact]
    public async Task RegisteringAnnouncesTheNickAndJoinsTheDefaultRoom()
    {
        await using var c = await _server.ConnectAsync();
        c.Send("nick João\n");
        Assert.Equal("NICK * João", (await c.ExpectAsync("NICK")).ToString());
        Assert.Equal("JOIN #lobby João", (await c.NextAsync()).ToString());
        Assert.Equal("NAMES #lobby :João", (await c.NextAsync()).ToString());
    }

    [Fact]
    public async Task EverythingButPingPongAndQuitNeedsANick()
    {
        await using var c = await _server.ConnectAsync();
        c.Send("JOIN #rust\nSEND #lobby :hi\nNAMES #lobby\nPART #lobby\nPING abc\n");
        Assert.Equal("ERR NEED_NICK JOIN :register first: NICK <nick>", (await c.ExpectAsync("ERR")).ToString());
        Assert.Equal("ERR NEED_NICK SEND", string.Join(' ', (await c.NextAsync()).ToString().Split(' ')[..3]));
        Assert.StartsWith("ERR NEED_NICK NAMES", (await c.NextAsync()).ToString());
        Assert.StartsWith("ERR NEED_NICK PART", (await c.NextAsync()).ToString());
        Assert.Equal("PONG abc", (await c.NextAsync()).ToString());
    }

    [Fact]
    public async Task RoomMessageReachesEveryMemberAndEchoesToTheSender()
    {
        await using var alice = await _server.RegisterAsync("alice");
        await using var bob = await _server.RegisterAsync("bob");
        await alice.ExpectAsync("JOIN #lobby bob");
        alice.Send("SEND #lobby :hello bob\n");
        var atBob = await bob.ExpectAsync("MSG");
        var echo = await alice.ExpectAsync("MSG");
        Assert.Equal(["#lobby", "alice", "1"], atBob.Args[..3]);
        Assert.Equal("hello bob", atBob.Text);
        Assert.Equal(atBob.ToString(), echo.ToString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", atBob.Arg(3));
    }

    [Fact]
    public async Task LengthFormCarriesNewlinesAndAnyUnicode()
    {
        await using var alice = await _server.RegisterAsync("Conceição");
        await using var bob = await _server.RegisterAsync("bob");
        string text = "linha 1\nlinha 2 漢字 👍🏽\tend";
        int length = System.Text.Encoding.UTF8.GetByteCount(text);
        alice.Send($"SEND #lobby {length}\r\n{text}\r\n");
        var msg = await bob.ExpectAsync("MSG");
        Assert.Equal("Conceição", msg.Arg(1));
        Assert.Equal(text, msg.Text);
    }

    [Fact]
    public async Task JoinAndPartAreAnnouncedToEveryMemberTheActorIncluded()
    {
        await using var alice = await _server.RegisterAsync("alice");
        await using var bob = await _server.RegisterAsync("bob");
        alice.Send("JOIN #Rust\n");
        Assert.Equal("JOIN #Rust alice", (await alice.ExpectAsync("JOIN #Rust")).ToString());
        Assert.Equal("NAMES #Rust :alice", (await alice.NextAsync()).ToString());
        bob.Send("JOIN #rust\n");
        Assert.Equal("JOIN #Rust bob", (await alice.ExpectAsync("JOIN #Rust")).ToString());
        Assert.Equal("JOIN #Rust bob", (await bob.ExpectAsync("JOIN #Rust")).ToString());
        Assert.Equal("NAMES #Rust :alice bob", (await bob.NextAsync()).ToString());
        bob.Send("PART #rust :see you\n");
        Assert.Equal("PART #Rust bob :see you", (await alice.ExpectAsync("PART")).ToString());
        Assert.Equal("PART #Rust bob :see you", (await bob.ExpectAsync("PART")).ToString());
        alice.Send("NAMES #rust\n");
        Assert.Equal("NAMES #Rust :alice", (await alice.ExpectAsync("NAMES")).ToString());
    }

    [Fact]
    public async Task SendingToARoomYouAreNotInIsRefused()
    {
        await using var alice = await _server.RegisterAsync("alice");
        alice.Send("SEND #elsewhere :hi\nPART #elsewhere\nJOIN bad-room\n");
        Assert.Equal("ERR NOT_IN_ROOM SEND :you are not in #elsewhere", (await alice.ExpectAsync("ERR")).ToString());
        Assert.StartsWith("ERR NOT_IN_ROOM PART", (await alice.NextAsync()).ToString());
        Assert.StartsWith("ERR BAD_ROOM JOIN", (await alice.NextAsync()).ToString());
    }

    [Fact]
    public async Task DroppedConnectionIsAnnouncedAsQuitToEveryoneWhoSharedARoom()
    {
        await using var alice = await _server.RegisterAsync("alice");
        var bob = await _server.RegisterAsync("bob");
        alice.Send("JOIN #two\n");
        await alice.ExpectAsync("NAMES #two");
        bob.Send("JOIN #two\n");
        await alice.ExpectAsync("JOIN #two bob");
        await bob.DisposeAsync(); // no QUIT: the connection just drops
        var quit = await alice.ExpectAsync("QUIT");
        Assert.Equal("QUIT bob :connection closed", quit.ToString());
        alice.Send("NAMES #two\nNAMES #lobby\n");
        Assert.Equal("NAMES #two :alice", (await alice.ExpectAsync("NAMES")).ToString());
        Assert.Equal("NAMES #lobby :alice", (await alice.ExpectAsync("NAMES")).ToString());
        Assert.DoesNotContain(alice.Seen, f => f.Verb == Verb.Quit && f != quit); // once, though two rooms were shared
    }

    [Fact]
    public async Task QuitSaysByeAndTellsTheOthersWhy()
    {
        await using var alice = await _server.RegisterAsync("alice");
        await using var bob = await _server.RegisterAsync("bob");
        bob.Send("QUIT :lunch\n");
        var last = await bob.ExpectClosedAsync();
        Assert.Equal("BYE :bye", last.Last().ToString());
        Assert.Equal("QUIT bob :lunch", (await alice.ExpectAsync("QUIT")).ToString());
    }

    [Fact]
    public async Task PrivateMessageGoesToTheRecipientAndEchoesToTheSender()
    {
        await using var alice = await _server.RegisterAsync("alice");
        await using var bob = await _server.RegisterAsync("bob");
        await using var carol = await _server.RegisterAsync("carol");
        alice.Send("SEND BOB :psst\nSEND nobody :hello?\n");
        var atBob = await bob.ExpectAsync("MSG");
        Assert.Equal(["bob", "alice"], atBob.Args[..2]);
        Assert.Equal("psst", atBob.Text);
        Assert.Equal(atBob.ToString(), (await alice.ExpectAsync("MSG")).ToString());
        Assert.Equal("ERR NO_SUCH_NICK SEND :no one is called nobody", (await alice.ExpectAsync("ERR")).ToString());
        carol.Send("PING sync\n");
        await carol.ExpectAsync("PONG sync");
        Assert.DoesNotContain(carol.Seen, f => f.Verb == Verb.Msg);
    }

    [Fact]
    public async Task NicksAreUniqueWithoutRegardToCaseOrNormalization()
    {
        await using var first = await _server.RegisterAsync("João");
        await using var second = await _server.ConnectAsync();
        second.Send("NICK joão\nNICK JOA\u0303O\nNICK 9lives\nNICK a b c\nNICK joao\n");
        Assert.Equal("ERR NICK_IN_USE NICK :joão is taken", (await second.ExpectAsync("ERR")).ToString());
        Assert.Equal("ERR NICK_IN_USE NICK :JOÃO is taken", (await second.NextAsync()).ToString());
        Assert.StartsWith("ERR BAD_NICK NICK", (await second.NextAsync()).ToString());
        Assert.StartsWith("ERR BAD_FRAME NICK", (await second.NextAsync()).ToString());
        Assert.Equal("NICK * joao", (await second.NextAsync()).ToString());
    }

    [Fact]
    public async Task RenameIsAnnouncedOnceToEveryoneSharingARoomAndFreesTheOldNick()
    {
        await using var alice = await _server.RegisterAsync("alice");
        await using var bob = await _server.RegisterAsync("bob");
        alice.Send("JOIN #two\n");
        await alice.ExpectAsync("NAMES #two");
        bob.Send("JOIN #two\n");
        await alice.ExpectAsync("JOIN #two bob");
        bob.Send("NICK robert\n");
        Assert.Equal("NICK bob robert", (await bob.ExpectAsync("NICK")).ToString());
        Assert.Equal("NICK bob robert", (await alice.ExpectAsync("NICK")).ToString());
        bob.Send("NICK Robert\n"); // a case change of one's own nick is allowed
        Assert.Equal("NICK robert Robert", (await alice.ExpectAsync("NICK")).ToString());
        await using var newBob = await _server.RegisterAsync("bob");
        alice.Send("SEND #two :hi\n");
        Assert.Equal("hi", (await bob.ExpectAsync("MSG #two alice")).Text);
        Assert.Equal(1, alice.Seen.Count(f => f.ToString() == "NICK bob robert"));
    }

    [Fact]
    public async Task TextWithControlCharactersIsRefusedAndNothingIsDelivered()
    {
        await using var alice = await _server.RegisterAsync("alice");
        await using var bob = await _server.RegisterAsync("bob");
        alice.Send("SEND #lobby :\u001b[2Jgotcha\n");
        alice.Send("SEND #lobby 3\na\rb\n");
        alice.Send([.. "SEND #lobby 2\n"u8, 0xC3, 0x28, (byte)'\n']); // invalid UTF-8
        alice.Send("SEND #lobby :\u0085\n");
        alice.Send("SEND #lobby :\n");
        for (int i = 0; i < 5; i++) Assert.StartsWith("ERR BAD_TEXT SEND", (await alice.ExpectAsync("ERR")).ToString());
        alice.Send("SEND #lobby :clean\n");
        Assert.Equal("clean", (await bob.ExpectAsync("MSG")).Text);
        Assert.Single(bob.Seen, f => f.Verb == Verb.Msg);
    }

    [Fact]
    public async Task ErrorsThatKeepTheFramingLetTheSessionGoOn()
    {
        await using var alice = await _server.RegisterAsync("alice");
        alice.Send("FROB x\nSEND #lobby hello\nJOIN\nSEND #lobby :still here\n");
        Assert.Equal("ERR UNKNOWN_VERB FROB :unknown verb FROB", (await alice.ExpectAsync("ERR")).ToString());
        Assert.StartsWith("ERR BAD_FRAME SEND", (await alice.NextAsync()).ToString());
        Assert.StartsWith("ERR BAD_FRAME JOIN", (await alice.NextAsync()).ToString());
        Assert.Equal("still here", (await alice.NextAsync()).Text);
    }

    [Theory]
    [InlineData("SEND #lobby 99999999999\n", "ERR TOO_LONG SEND")]
    [InlineData("SEND #lobby 65537\n", "ERR TOO_LONG SEND")]
    [InlineData("SEND #lobby -5\n", "ERR BAD_FRAME SEND")]
    [InlineData("SEND #lobby 3\nabcX\n", "ERR BAD_FRAME SEND")]
    public async Task FramingErrorsGetErrThenByeThenClose(string input, string expected)
    {
        await using var alice = await _server.RegisterAsync("alice");
        alice.Send(input);
        var last = await alice.ExpectClosedAsync();
        Assert.StartsWith(expected, last[^2].ToString());
        Assert.Equal(Verb.Bye, last[^1].Verb);
    }

    [Fact]
    public async Task ControlLineLongerThanMaxLineIsRefusedBeforeItsEndArrives()
    {
        await using var alice = await _server.RegisterAsync("alice");
        await using var bob = await _server.RegisterAsync("bob");
        string chunk = new('x', 1000);
        var closed = alice.ExpectClosedAsync();
        for (int i = 0; i < 5 && !closed.IsCompleted; i++) alice.Send("SEND #lobby :" + chunk); // never an LF
        var last = await closed;
        Assert.StartsWith("ERR TOO_LONG *", last[^2].ToString());
        Assert.Equal(Verb.Bye, last[^1].Verb);
        Assert.Equal("QUIT alice :protocol error", (await bob.ExpectAsync("QUIT")).ToString());
    }

    [Fact]
    public async Task MessageIdsIncreaseStrictlyPerRoom()
    {
        await using var alice = await _server.RegisterAsync("alice");
        alice.Send("JOIN #other\nSEND #lobby :1\nSEND #other :1\nSEND #lobby :2\nSEND #lobby :3\n");
        var ids = new List<string>();
        for (int i = 0; i < 4; i++) { var m = await alice.ExpectAsync("MSG"); ids.Add(m.Arg(0) + "/" + m.Arg(2)); }
        Assert.Equal(["#lobby/1", "#other/1", "#lobby/2", "#lobby/3"], ids);
    }

    [Fact]
    public async Task JoiningTooManyRoomsIsRefused()
    {
        await using var server = await InProcessServer.StartAsync("--max-rooms-per-user", "3");
        await using var alice = await server.RegisterAsync("alice"); // #lobby is the first
        alice.Send("JOIN #a\nJOIN #b\nJOIN #c\n");
        await alice.ExpectAsync("NAMES #b");
        Assert.Equal("ERR TOO_MANY_ROOMS JOIN :at most 3 rooms at once", (await alice.ExpectAsync("ERR")).ToString());
    }

    [Fact]
    public async Task ConnectionsBeyondTheMaximumAreRefusedClearly()
    {
        await using var server = await InProcessServer.StartAsync("--max-connections", "2");
        await using var a = await server.RegisterAsync("a");
        await using var b = await server.RegisterAsync("b");
        await using var c = await server.ConnectAsync();
        var frames = await c.ExpectClosedAsync();
        Assert.Equal(["ERR SERVER_FULL * :server full (MaxConnections=2)", "BYE :server full (MaxConnections=2)"],
            frames.Select(f => f.ToString()));
    }
}
