using Microsoft.Extensions.DependencyInjection;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.History;

namespace TcpChat.Tests.Server;

/// <summary>
/// Chat:BigRoomMembers (docs/PROTOCOL.md, "Big rooms"): above it a room sends MEMBERS counts instead of JOIN, PART
/// and QUIT, and NAMES about it is paged; below it nothing changes. The threshold is set low here; the default is
/// about what it costs at the default scale (docs/benchmarks-bigroom.md).
/// </summary>
public sealed class BigRoomTests
{
    /// <summary>Every frame <paramref name="client"/> gets until the PONG of a PING sent now: what it was told meanwhile.</summary>
    private static async Task<List<string>> FramesUntilPongAsync(TestClient client, string token)
    {
        client.Send($"PING {token}\n");
        var frames = new List<string>();
        while (true)
        {
            string frame = (await client.NextAsync()).ToString();
            if (frame == $"PONG {token}") return frames;
            frames.Add(frame);
        }
    }

    private static async Task<TestClient[]> RegisterAllAsync(InProcessServer server, params string[] nicks)
    {
        var clients = new List<TestClient>();
        foreach (string nick in nicks) clients.Add(await server.RegisterAsync(nick));
        return [.. clients];
    }

    [Fact]
    public async Task JoinsBelowTheThresholdAreAnnouncedToEveryMemberAsBefore()
    {
        await using var server = await InProcessServer.StartAsync("--big-room-members", "3");
        var clients = await RegisterAllAsync(server, "ana", "bea", "cid");
        try
        {
            var atAna = await FramesUntilPongAsync(clients[0], "1");
            Assert.Contains("JOIN #lobby bea", atAna);
            Assert.Contains("JOIN #lobby cid", atAna);
            Assert.DoesNotContain(atAna, f => f.StartsWith("MEMBERS", StringComparison.Ordinal));
            Assert.Equal("NAMES #lobby :ana bea cid", clients[2].Seen.First(f => f.Verb == Verb.Names).ToString());
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task MemberCrossingTheThresholdGetsItsJoinTheCountAndAPageWhileTheOthersGetOnlyTheCount()
    {
        await using var server = await InProcessServer.StartAsync("--big-room-members", "3", "--member-count-seconds", "0");
        var clients = await RegisterAllAsync(server, "ana", "bea", "cid");
        await using var dora = await server.ConnectAsync();
        try
        {
            await FramesUntilPongAsync(clients[0], "before");
            dora.Send("NICK dora\n");
            Assert.Equal("NICK * dora", (await dora.ExpectAsync("NICK")).ToString());
            Assert.Equal("JOIN #lobby dora", (await dora.NextAsync()).ToString());
            Assert.Equal("MEMBERS #lobby 4", (await dora.NextAsync()).ToString());
            Assert.Equal("MEMBERS #lobby 4 from=0", (await dora.NextAsync()).ToString());
            Assert.Equal("NAMES #lobby :ana bea cid dora", (await dora.NextAsync()).ToString());
            Assert.StartsWith("HISTORY #lobby", (await dora.NextAsync()).ToString());

            Assert.Equal(["MEMBERS #lobby 4"], await FramesUntilPongAsync(clients[0], "after"));
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task JoinsPartsQuitsAndRenamesInABigRoomReachOnlyTheOneConcernedAndTheOthersGetCounts()
    {
        await using var server = await InProcessServer.StartAsync("--big-room-members", "3", "--member-count-seconds", "0");
        var clients = await RegisterAllAsync(server, "ana", "bea", "cid", "dora");
        try
        {
            await FramesUntilPongAsync(clients[0], "settled");
            await using var eva = await server.RegisterAsync("eva");
            Assert.Equal(["MEMBERS #lobby 5"], await FramesUntilPongAsync(clients[0], "join"));

            eva.Send("PART #lobby :bye\n");
            Assert.Equal("PART #lobby eva :bye", (await eva.ExpectAsync("PART")).ToString());
            int mark = clients[0].Seen.Count;
            await clients[0].ExpectAsync("MEMBERS #lobby 4");
            Assert.Empty(await FramesUntilPongAsync(clients[0], "part"));
            Assert.Equal(["MEMBERS #lobby 4"], clients[0].Seen.Skip(mark).Where(f => f.Verb != Verb.Pong).Select(f => f.ToString()));

            clients[3].Send("NICK dolores\n");
            Assert.Equal("NICK dora dolores", (await clients[3].ExpectAsync("NICK")).ToString());
            Assert.Empty(await FramesUntilPongAsync(clients[0], "rename"));

            clients[3].Send("QUIT :gone\n");
            // 3 is the threshold: still big (a room becomes small again at half of it), so a count and no QUIT.
            mark = clients[0].Seen.Count;
            await clients[0].ExpectAsync("MEMBERS #lobby 3");
            Assert.Empty(await FramesUntilPongAsync(clients[0], "quit")); // a QUIT would have been queued before the PONG
            Assert.Equal(["MEMBERS #lobby 3"], clients[0].Seen.Skip(mark).Where(f => f.Verb != Verb.Pong).Select(f => f.ToString()));

            // Messages are not membership: they reach everyone as always.
            clients[1].Send("SEND #lobby :still here\n");
            Assert.Equal("still here", (await clients[0].ExpectAsync("MSG #lobby bea")).Text);
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task BigRoomBecomesSmallAgainAtHalfTheThresholdAndEveryMemberGetsTheWholeListOnce()
    {
        await using var server = await InProcessServer.StartAsync("--big-room-members", "4", "--member-count-seconds", "0");
        var clients = await RegisterAllAsync(server, "ana", "bea", "cid", "dora", "eva");
        try
        {
            Assert.Contains("MEMBERS #lobby 5", await FramesUntilPongAsync(clients[0], "big"));
            int mark = clients[0].Seen.Count;
            clients[4].Send("QUIT\n");
            await clients[0].ExpectAsync("MEMBERS #lobby 4");
            clients[3].Send("QUIT\n");
            await clients[0].ExpectAsync("MEMBERS #lobby 3");
            clients[2].Send("QUIT\n");
            // 2 is half of 4: small again. The whole list, without MEMBERS before it; no QUIT for those who left.
            await clients[0].ExpectAsync("NAMES #lobby");
            Assert.Empty(await FramesUntilPongAsync(clients[0], "small"));
            Assert.Equal(["MEMBERS #lobby 4", "MEMBERS #lobby 3", "NAMES #lobby :ana bea"],
                clients[0].Seen.Skip(mark).Where(f => f.Verb != Verb.Pong).Select(f => f.ToString()));

            await using var fay = await server.RegisterAsync("fay");
            Assert.Equal(["JOIN #lobby fay"], await FramesUntilPongAsync(clients[0], "join"));
            Assert.Equal("NAMES #lobby :ana bea fay", fay.Seen.First(f => f.Verb == Verb.Names).ToString());
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task NamesOfABigRoomIsPagedAfterTheCountAndASmallRoomMayBePagedToo()
    {
        await using var server = await InProcessServer.StartAsync("--big-room-members", "3", "--names-page", "2");
        var clients = await RegisterAllAsync(server, "ana", "bea", "cid", "dora", "eva");
        var ana = clients[0];
        try
        {
            var hello = ana.Seen.First(f => f.Verb == Verb.Hello);
            Assert.Contains("names=2", hello.Args);
            Assert.Equal("NAMES #lobby :ana bea", clients[4].Seen.First(f => f.Verb == Verb.Names).ToString());
            await FramesUntilPongAsync(ana, "settled");

            ana.Send("NAMES #lobby\n");
            Assert.Equal(["MEMBERS #lobby 5 from=0", "NAMES #lobby :ana bea"], await FramesUntilPongAsync(ana, "p0"));
            ana.Send("NAMES #lobby from=2\n");
            Assert.Equal(["MEMBERS #lobby 5 from=2", "NAMES #lobby :cid dora"], await FramesUntilPongAsync(ana, "p1"));
            ana.Send("NAMES #LOBBY limit=100 from=4\n");
            Assert.Equal(["MEMBERS #lobby 5 from=4", "NAMES #lobby :eva"], await FramesUntilPongAsync(ana, "p2"));
            ana.Send("NAMES #lobby from=1 limit=1\n");
            Assert.Equal(["MEMBERS #lobby 5 from=1", "NAMES #lobby :bea"], await FramesUntilPongAsync(ana, "p3"));
            ana.Send("NAMES #lobby from=9\n");
            Assert.Equal(["MEMBERS #lobby 5 from=9", "NAMES #lobby :"], await FramesUntilPongAsync(ana, "past"));

            ana.Send("JOIN #small\nNAMES #small from=0 limit=1\n");
            await ana.ExpectAsync("HISTORY #small");
            Assert.Equal(["NAMES #small :ana"], await FramesUntilPongAsync(ana, "small"));
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("NAMES #lobby from=-1", "from must be a position")]
    [InlineData("NAMES #lobby from=x", "from must be a position")]
    [InlineData("NAMES #lobby limit=0", "limit must be a whole number from 1")]
    [InlineData("NAMES #lobby limit=", "limit must be a whole number from 1")]
    [InlineData("NAMES #lobby from=1 from=2", "from= given twice")]
    [InlineData("NAMES #lobby after=bob", "unknown argument 'after=bob'")]
    [InlineData("NAMES #lobby from=99999999999", "from must be a position")]
    public async Task BadNamesArgumentsGetAClearErrorAndTheSessionGoesOn(string line, string problem)
    {
        await using var server = await InProcessServer.StartAsync();
        await using var ana = await server.RegisterAsync("ana");
        ana.Send(line + "\n");
        var error = await ana.ExpectAsync("ERR");
        Assert.Equal("ERR BAD_FRAME NAMES", string.Join(' ', error.ToString().Split(' ')[..3]));
        Assert.Contains(problem, error.Text);
        ana.Send("NAMES #lobby\n");
        Assert.Equal("NAMES #lobby :ana", (await ana.ExpectAsync("NAMES")).ToString());
    }

    [Fact]
    public async Task CountsAreHeldBackForMemberCountSecondsThenSentByTheSweep()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero));
        await using var server = await InProcessServer.StartAsync(s => s.AddSingleton<TimeProvider>(clock),
            "--big-room-members", "2", "--member-count-seconds", "60");
        var clients = await RegisterAllAsync(server, "ana", "bea", "cid");
        try
        {
            Assert.Contains("MEMBERS #lobby 3", await FramesUntilPongAsync(clients[0], "crossed"));
            await using var dora = await server.RegisterAsync("dora");
            clock.Advance(TimeSpan.FromSeconds(59));
            Assert.Empty(await FramesUntilPongAsync(clients[0], "held")); // 1 s early: held back

            clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal("MEMBERS #lobby 4", (await clients[0].ExpectAsync("MEMBERS")).ToString());
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    [Fact]
    public async Task HundredsJoiningABigRoomCostEachMemberACountNotAJoinEachAndEachJoinerAPageNotTheWholeList()
    {
        const int users = 300;
        await using var server = await InProcessServer.StartAsync("--big-room-members", "20", "--names-page", "10",
            "--member-count-seconds", "3600", "--history-on-join", "0");
        var clients = new List<TestClient>();
        try
        {
            for (int i = 0; i < users; i++) clients.Add(await server.RegisterAsync($"user{i}"));
            await FramesUntilPongAsync(clients[0], "done");
            var all = clients[0].Seen.Select(f => f.ToString()).ToList();
            Assert.Equal(19, all.Count(f => f.StartsWith("JOIN #lobby user", StringComparison.Ordinal)) - 1); // the others before it was big
            Assert.Equal(["MEMBERS #lobby 21"], all.Where(f => f.StartsWith("MEMBERS", StringComparison.Ordinal)));
            var lastNames = clients[^1].Seen.First(f => f.Verb == Verb.Names);
            Assert.Equal(10, lastNames.Text!.Split(' ').Length);
            Assert.Equal($"MEMBERS #lobby {users} from=0", clients[^1].Seen.Last(f => f.Verb == Verb.Members).ToString());
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }
}
