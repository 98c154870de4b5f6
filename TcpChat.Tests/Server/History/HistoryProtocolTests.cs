using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.History;

/// <summary>HISTORY and the history a joiner gets, over real sockets against the real host (SQLite in a temp directory).</summary>
public sealed class HistoryProtocolTests
{
    [Fact]
    public async Task JoinerGetsTheRoomsLastMessagesAfterNamesThenTheLiveOnes()
    {
        await using var server = await InProcessServer.StartAsync("--history-on-join", "3");
        var (alice, lobby) = await HistoryKit.RegisterAsync(server.Port, "alice");
        await using var _ = alice;
        Assert.Empty(lobby);
        await alice.SayAsync("#lobby", "one", "two", "three", "four", "five");

        await using var bob = await TestClient.ConnectAsync(server.Port);
        bob.Send("NICK bob\n");
        await bob.ExpectAsync("NICK * bob");
        Assert.Equal("JOIN #lobby bob", (await bob.NextAsync()).ToString());
        Assert.Equal("NAMES #lobby :alice bob", (await bob.NextAsync()).ToString());
        var page = await bob.ReadPageAsync("#lobby");
        Assert.Equal(["three", "four", "five"], page.Texts());
        Assert.Equal([3L, 4, 5], page.Ids());
        // The frames are the ones alice saw live, times included.
        var live = alice.Seen.Where(f => f.Verb == Verb.Msg).Select(f => f.ToString()).ToList();
        Assert.Equal(live[2..], page.Select(f => f.ToString()));

        alice.Send("SEND #lobby :six\n");
        var six = await bob.NextAsync();
        Assert.Equal((Verb.Msg, 6L, "six"), (six.Verb, six.Id(), six.Text));
    }

    [Fact]
    public async Task JoinerGetsFiftyMessagesByDefault()
    {
        await using var server = await InProcessServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        await alice.SayAsync("#lobby", Enumerable.Range(1, 60).Select(i => $"m{i}").ToArray());
        var (bob, page) = await HistoryKit.RegisterAsync(server.Port, "bob");
        await using var _ = bob;
        Assert.Equal(Enumerable.Range(11, 50).Select(i => (long)i), page.Ids());
    }

    [Fact]
    public async Task HistoryOnJoinCanBeTurnedOff()
    {
        await using var server = await InProcessServer.StartAsync("--history-on-join", "0");
        await using var alice = await server.RegisterAsync("alice");
        await alice.SayAsync("#lobby", "before bob");
        await using var bob = await server.RegisterAsync("bob");
        bob.Send("PING after-names\n");
        Assert.Equal("PONG after-names", (await bob.NextAsync()).ToString());
        // HISTORY still answers on request.
        Assert.Equal(["before bob"], (await bob.HistoryAsync("HISTORY #lobby", "#lobby")).Texts());
    }

    [Fact]
    public async Task JoinerOfAFloodedRoomGetsAContiguousRunOfIdsAcrossHistoryAndLive()
    {
        await using var server = await InProcessServer.StartAsync("--outbox-bytes", "67108864");
        await using var alice = await server.RegisterAsync("alice");
        using var stop = new CancellationTokenSource();
        int sent = 0;
        var flood = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (int k = 0; k < 50; k++) alice.Send($"SEND #lobby :flood {++sent}\n");
                await Task.Yield();
            }
            alice.Send("SEND #lobby :end\n");
        });
        await alice.ExpectAsync(f => f.Verb == Verb.Msg && f.Id() >= 500, "500 messages in");

        var bob = await TestClient.ConnectAsync(server.Port);
        await using var _ = bob;
        bob.Send("NICK bob\n");
        await bob.ExpectAsync("NAMES #lobby");
        var page = await bob.ReadPageAsync("#lobby");
        stop.Cancel(); // the flood goes on until bob has his history: what follows it is live
        await flood;

        var live = new List<Received>();
        while (live.Count == 0 || live[^1].Text != "end")
        {
            var frame = await bob.NextAsync();
            if (frame.Verb == Verb.Msg) live.Add(frame);
        }
        Assert.Equal(50, page.Count);
        Assert.NotEmpty(live.SkipLast(1)); // some of the flood did arrive live
        var ids = page.Concat(live).Ids().ToList();
        Assert.Equal(Enumerable.Range((int)ids[0], ids.Count).Select(i => (long)i), ids);
        Assert.Equal(sent + 1, ids[^1]);
    }

    [Fact]
    public async Task HistoryPagesBackwardsWithBeforeAndLimit()
    {
        await using var server = await InProcessServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        await alice.SayAsync("#lobby", Enumerable.Range(1, 10).Select(i => $"m{i}").ToArray());

        Assert.Equal([8L, 9, 10], (await alice.HistoryAsync("HISTORY #lobby limit=3", "#lobby")).Ids());
        Assert.Equal([5L, 6, 7], (await alice.HistoryAsync("HISTORY #lobby before=8 limit=3", "#lobby")).Ids());
        Assert.Equal([2L, 3, 4], (await alice.HistoryAsync("HISTORY #LOBBY limit=3 before=5", "#lobby")).Ids());
        Assert.Equal([1L], (await alice.HistoryAsync("history #lobby before=2 limit=3", "#lobby")).Ids());
        Assert.Empty(await alice.HistoryAsync("HISTORY #lobby before=1", "#lobby"));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"m{i}"), (await alice.HistoryAsync("HISTORY #lobby", "#lobby")).Texts());
        Assert.Equal([10L], (await alice.HistoryAsync("HISTORY #lobby before=99999999999999999999 limit=1", "#lobby")).Ids());
    }

    [Fact]
    public async Task LimitIsCappedAtTheMaximumAnnouncedInHello()
    {
        await using var server = await InProcessServer.StartAsync("--history-max-page", "5", "--history-on-join", "5");
        await using var alice = await server.ConnectAsync();
        Assert.EndsWith(" ping=60 history=5 names=200", (await alice.NextAsync()).ToString());
        alice.Send("NICK alice\n");
        await alice.ExpectAsync("NAMES #lobby");
        await alice.SayAsync("#lobby", Enumerable.Range(1, 8).Select(i => $"m{i}").ToArray());

        Assert.Equal([4L, 5, 6, 7, 8], (await alice.HistoryAsync("HISTORY #lobby", "#lobby")).Ids());
        Assert.Equal([4L, 5, 6, 7, 8], (await alice.HistoryAsync("HISTORY #lobby limit=6", "#lobby")).Ids());
        Assert.Equal([4L, 5, 6, 7, 8], (await alice.HistoryAsync("HISTORY #lobby limit=99999999999999999999", "#lobby")).Ids());
        Assert.Equal([7L, 8], (await alice.HistoryAsync("HISTORY #lobby limit=2", "#lobby")).Ids());
    }

    [Fact]
    public async Task PageOfLongMessagesStopsAtHalfTheOutbox()
    {
        // Outbox 64 KiB: a page holds at most 32 KiB of frames, here two of these 15000-byte messages.
        await using var server = await InProcessServer.StartAsync("--outbox-bytes", "65536", "--max-payload", "16384");
        await using var alice = await server.RegisterAsync("alice");
        for (int i = 1; i <= 4; i++) await alice.SayAsync("#lobby", $"{i}" + new string('x', 15_000));

        var page = await alice.HistoryAsync("HISTORY #lobby", "#lobby");
        Assert.Equal([3L, 4], page.Ids());
        Assert.Equal([1L, 2], (await alice.HistoryAsync("HISTORY #lobby before=3", "#lobby")).Ids());
        Assert.False(alice.Closed);
    }

    [Fact]
    public async Task HistoryOfARoomYouAreNotInIsRefused()
    {
        await using var server = await InProcessServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        bob.Send("JOIN #secret\n");
        await bob.ExpectAsync("HISTORY #secret");
        await bob.SayAsync("#secret", "hush");
        alice.Send("HISTORY #secret\nHISTORY #Secret before=5\nHISTORY secret!\n");
        Assert.Equal("ERR NOT_IN_ROOM HISTORY :you are not in #secret", (await alice.ExpectAsync("ERR")).ToString());
        Assert.Equal("ERR NOT_IN_ROOM HISTORY :you are not in #Secret", (await alice.NextAsync()).ToString());
        Assert.StartsWith("ERR BAD_NICK HISTORY", (await alice.NextAsync()).ToString());
        Assert.DoesNotContain(alice.Seen, f => f.Text == "hush");
    }

    [Theory]
    [InlineData("HISTORY", "HISTORY takes 1 to 3 argument(s) and no text")]
    [InlineData("HISTORY #lobby limit=1 before=2 x=3", "HISTORY takes 1 to 3 argument(s) and no text")]
    [InlineData("HISTORY #lobby :text", "HISTORY takes 1 to 3 argument(s) and no text")]
    [InlineData("HISTORY #lobby limit=0", "limit must be a whole number from 1 (got '0')")]
    [InlineData("HISTORY #lobby limit=-1", "limit must be a whole number from 1 (got '-1')")]
    [InlineData("HISTORY #lobby limit=", "limit must be a whole number from 1 (got '')")]
    [InlineData("HISTORY #lobby before=0", "before must be a message id, a whole number from 1 (got '0')")]
    [InlineData("HISTORY #lobby before=abc", "before must be a message id, a whole number from 1 (got 'abc')")]
    [InlineData("HISTORY #lobby before=+3", "before must be a message id, a whole number from 1 (got '+3')")]
    [InlineData("HISTORY #lobby before=1 before=2", "before= given twice")]
    [InlineData("HISTORY #lobby limit=1 limit=2", "limit= given twice")]
    [InlineData("HISTORY #lobby 5", "unknown argument '5': HISTORY <#room or nick> [before=<id>] [limit=<n>]")]
    [InlineData("HISTORY #lobby after=5", "unknown argument 'after=5': HISTORY <#room or nick> [before=<id>] [limit=<n>]")]
    public async Task BadArgumentsAreRefusedWithBadFrameAndTheSessionGoesOn(string line, string expected)
    {
        await using var server = await InProcessServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        alice.Send(line + "\n");
        Assert.Equal($"ERR BAD_FRAME HISTORY :{expected}", (await alice.ExpectAsync("ERR")).ToString());
        Assert.Empty(await alice.HistoryAsync("HISTORY #lobby", "#lobby"));
    }

    [Fact]
    public async Task HistoryBeforeRegisteringNeedsANick()
    {
        await using var server = await InProcessServer.StartAsync();
        await using var c = await server.ConnectAsync();
        c.Send("HISTORY #lobby\n");
        Assert.Equal("ERR NEED_NICK HISTORY :register first: NICK <nick>", (await c.ExpectAsync("ERR")).ToString());
    }

    [Fact]
    public async Task PrivateConversationIsVisibleToItsTwoParticipantsOnly()
    {
        await using var server = await InProcessServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await using var carol = await server.RegisterAsync("carol");
        await alice.SayAsync("bob", "psst");
        await bob.SayAsync("ALICE", "yes?");
        await carol.SayAsync("alice", "hi alice");

        var atAlice = await alice.HistoryAsync("HISTORY bob", "bob");
        var atBob = await bob.HistoryAsync("HISTORY Alice", "Alice");
        Assert.Equal(["MSG bob alice 1", "MSG alice bob 2"], atAlice.Select(f => $"MSG {f.Arg(0)} {f.Arg(1)} {f.Arg(2)}"));
        Assert.Equal(atAlice.Select(f => f.ToString()), atBob.Select(f => f.ToString()));
        // carol sees her own conversations, never alice and bob's.
        Assert.Empty(await carol.HistoryAsync("HISTORY bob", "bob"));
        Assert.Equal(["hi alice"], (await carol.HistoryAsync("HISTORY alice", "alice")).Texts());
        Assert.DoesNotContain(carol.Seen, f => f.Text is "psst" or "yes?");
    }

    [Fact]
    public async Task PrivateHistoryIsThereWhenTheOtherIsOffline()
    {
        await using var server = await InProcessServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        var bob = await server.RegisterAsync("bob");
        await bob.SayAsync("alice", "see you");
        bob.Send("QUIT\n");
        await alice.ExpectAsync("QUIT bob");
        await bob.DisposeAsync();
        Assert.Equal(["see you"], (await alice.HistoryAsync("HISTORY bob", "bob")).Texts());
        // A note to oneself is a conversation too.
        await alice.SayAsync("alice", "remember the milk");
        Assert.Equal(["remember the milk"], (await alice.HistoryAsync("HISTORY alice", "alice")).Texts());
    }

    [Fact]
    public async Task RoomEmptiedAndCreatedAgainKeepsItsHistoryAndItsIdsCarryOn()
    {
        await using var server = await InProcessServer.StartAsync();
        await using var alice = await server.RegisterAsync("alice");
        alice.Send("JOIN #Tmp\n");
        await alice.ReadPageAsync("#Tmp");
        await alice.SayAsync("#tmp", "first", "second");
        alice.Send("PART #tmp\nNAMES #tmp\n");
        Assert.Equal("NAMES #tmp :", (await alice.ExpectAsync("NAMES #tmp")).ToString()); // the room is gone

        alice.Send("JOIN #tmp\n");
        var page = await alice.ReadPageAsync("#tmp");
        // History is written with the room's name now, as live messages are.
        Assert.Equal(["MSG #tmp alice 1 :first", "MSG #tmp alice 2 :second"],
            page.Select(f => $"MSG {f.Arg(0)} {f.Arg(1)} {f.Arg(2)} :{f.Text}"));
        alice.Send("SEND #tmp :third\n");
        Assert.Equal(3, (await alice.ExpectAsync("MSG #tmp")).Id());
    }

    [Fact]
    public async Task NoHistoryKeepsHistoryInMemoryWhileTheServerRuns()
    {
        string cwdData = Path.GetFullPath("data");
        bool existed = Directory.Exists(cwdData);
        await using var server = await InProcessServer.StartAsync("--no-history");
        await using var alice = await server.RegisterAsync("alice");
        await alice.SayAsync("#lobby", "one", "two");
        await alice.SayAsync("alice", "note");
        var (bob, page) = await HistoryKit.RegisterAsync(server.Port, "bob");
        await using var _ = bob;
        Assert.Equal(["one", "two"], page.Texts());
        Assert.Equal([1L], (await alice.HistoryAsync("HISTORY alice", "alice")).Ids());
        Assert.Equal(existed, Directory.Exists(cwdData)); // no database was made
    }
}
