using Microsoft.Extensions.DependencyInjection;
using TcpChat.Server.History;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.History;

/// <summary>Retention: by age and by count, pruned in the background, in the database and in memory alike.</summary>
public sealed class HistoryRetentionTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Stores() => new("sqlite", "memory");

    private static Task<InProcessServer> StartAsync(string store, ManualClock? clock, params string[] flags) =>
        InProcessServer.StartAsync(
            s => { if (clock is not null) s.AddSingleton<TimeProvider>(clock); },
            store == "memory" ? [.. flags, "--no-history"] : flags);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task MessagesOlderThanMaxAgeArePruned(string store)
    {
        var clock = new ManualClock(Start);
        await using var server = await StartAsync(store, clock, "--history-max-age-days", "2");
        var log = server.Services.GetRequiredService<MessageLog>();
        await using var alice = await server.RegisterAsync("alice");
        await alice.SayAsync("#lobby", "old 1", "old 2");
        await alice.SayAsync("alice", "old note");
        clock.Advance(TimeSpan.FromDays(1));
        await alice.SayAsync("#lobby", "recent");

        clock.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMilliseconds(1)); // the old ones are 2 days old less 1 ms
        Assert.Equal(0, await log.PruneAsync());
        clock.Advance(TimeSpan.FromMilliseconds(2)); // now 2 days and 1 ms
        Assert.Equal(3, await log.PruneAsync());

        var page = await alice.HistoryAsync("HISTORY #lobby", "#lobby");
        Assert.Equal(["recent"], page.Texts());
        Assert.Equal((3L, "2026-01-02T00:00:00.000Z"), (page[0].Id(), page[0].Arg(3)));
        Assert.Empty(await alice.HistoryAsync("HISTORY alice", "alice"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task OnlyTheNewestMaxPerTargetMessagesAreKept(string store)
    {
        await using var server = await StartAsync(store, null, "--history-max-per-target", "3");
        var log = server.Services.GetRequiredService<MessageLog>();
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");
        await alice.SayAsync("#lobby", "1", "2", "3", "4", "5");
        await alice.SayAsync("bob", "a", "b", "c");
        await bob.SayAsync("alice", "d");

        Assert.Equal(3, await log.PruneAsync());
        Assert.Equal(["3", "4", "5"], (await alice.HistoryAsync("HISTORY #lobby", "#lobby")).Texts());
        Assert.Equal(["b", "c", "d"], (await bob.HistoryAsync("HISTORY alice", "alice")).Texts());
        Assert.Equal(0, await log.PruneAsync()); // exactly at the limit: nothing more
        // Ids carry on past what was pruned.
        alice.Send("SEND #lobby :6\n");
        Assert.Equal(6, (await alice.ExpectAsync("MSG #lobby alice 6")).Id());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task PruningRunsInTheBackgroundEveryInterval(string store)
    {
        await using var server = await StartAsync(store, null, "--history-max-per-target", "2", "--history-prune-interval", "1");
        var log = server.Services.GetRequiredService<MessageLog>();
        var pruned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int deleted = 0;
        log.Pruned += n => { if (Interlocked.Add(ref deleted, n) >= 2) pruned.TrySetResult(); };
        await using var alice = await server.RegisterAsync("alice");
        await alice.SayAsync("#lobby", "1", "2", "3", "4");

        await pruned.Task.WaitAsync(TimeSpan.FromSeconds(30)); // no one asked: the background loop did it
        Assert.Equal(["3", "4"], (await alice.HistoryAsync("HISTORY #lobby", "#lobby")).Texts());
    }

    [Fact]
    public async Task BigBacklogIsPrunedInSteps()
    {
        int total = MessageLog.PruneRowsPerStep + 500;
        await using var server = await StartAsync("sqlite", null, "--history-max-per-target", "100", "--outbox-bytes", "67108864");
        var log = server.Services.GetRequiredService<MessageLog>();
        await using var alice = await server.RegisterAsync("alice");
        await alice.SayAsync("#lobby", Enumerable.Range(1, total).Select(i => $"{i}").ToArray());

        Assert.Equal(total - 100, await log.PruneAsync());
        var page = await alice.HistoryAsync("HISTORY #lobby", "#lobby");
        Assert.Equal(Enumerable.Range(total - 99, 100).Select(i => (long)i), page.Ids());
    }
}
