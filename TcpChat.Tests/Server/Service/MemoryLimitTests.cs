using TcpChat.Server.Chat;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Service;

/// <summary>
/// The outboxes' budget (Chat:OutboxTotalBytes, 512 MiB) never exceeds what the process may hold (issue 16: what
/// happens at the GC's limit under a hostile load). In a container with a memory limit, or with DOTNET_GCHeapHardLimit,
/// the runtime may use less than the budget: slow consumers would fill the heap before any was cut. The server keeps
/// at most a quarter of that memory for outboxes, and says so at start.
/// </summary>
public sealed class MemoryLimitTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData(512 * MiB, 1 * MiB, 0, 512 * MiB)]              // the runtime does not say: the configured budget
    [InlineData(512 * MiB, 1 * MiB, 16384 * MiB, 512 * MiB)]    // a 16 GiB box: the configured budget fits
    [InlineData(512 * MiB, 1 * MiB, 256 * MiB, 64 * MiB)]       // a 256 MiB limit: a quarter of it
    [InlineData(512 * MiB, 1 * MiB, 2 * MiB, 1 * MiB)]          // never less than one connection's outbox
    [InlineData(8 * MiB, 1 * MiB, 256 * MiB, 8 * MiB)]          // a configured budget below the quarter stays
    public void TheBudgetIsAtMostAQuarterOfTheMemoryTheRuntimeMayUse(long configured, int perConnection, long available, long expected) =>
        Assert.Equal(expected, OutboxBudget.EffectiveLimit(configured, perConnection, available));

    [Fact]
    public async Task UnderAHeapLimitTheServerLowersItsOutboxBudgetAndSaysSo()
    {
        var heapLimit = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x10000000" }; // 256 MiB
        await using var server = await ServerProcess.StartAsync(heapLimit, "--no-history");
        await server.WaitForLogAsync("a quarter of it");
        Assert.Matches(@"warn: .*OutboxTotalBytes is 536870912 but the runtime may use 268435456 bytes in all: outboxes together hold at most 67108864", server.Log);

        await using var ana = await TestClient.ConnectAsync(server.Port);
        await ana.ExpectAsync("HELLO");
        ana.Send("NICK ana\nSTATS\n");
        var stats = await ana.ExpectAsync("STATS");
        Assert.Equal(64 * MiB, Stat(stats.Text!, "outbox_budget_bytes"));
    }

    [Fact]
    public async Task WithoutALimitTheConfiguredBudgetIsKeptQuietly()
    {
        await using var server = await ServerProcess.StartAsync("--no-history", "--outbox-total-bytes", "33554432");
        await using var ana = await TestClient.ConnectAsync(server.Port);
        await ana.ExpectAsync("HELLO");
        ana.Send("NICK ana\nSTATS\n");
        var stats = await ana.ExpectAsync("STATS");
        Assert.Equal(32 * MiB, Stat(stats.Text!, "outbox_budget_bytes"));
        Assert.DoesNotContain("a quarter of it", server.Log);
    }

    private static long Stat(string stats, string name) =>
        long.Parse(stats.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1]);
}
