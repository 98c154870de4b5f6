using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using TcpChat.Server.Chat;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Hardening;

/// <summary>
/// The heavy runs (mutation, chaos) run alone, after the rest of the suite: their load would slow the timing-sensitive
/// tests of others, and their memory figures would count the other tests' garbage.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "Hardening runs, alone";
}

/// <summary>What a test may read inside an in-process server.</summary>
internal static class ServerInsight
{
    /// <summary>The server's hub: its <see cref="ChatHub.ConnectionCount"/> and <see cref="ChatHub.Sessions"/>.</summary>
    public static ChatHub Hub(this InProcessServer server) => server.Services.GetRequiredService<ChatHub>();

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, looking again every few milliseconds; fails after
    /// <paramref name="timeout"/> with <paramref name="what"/> and the last state <paramref name="state"/> gives.
    /// </summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, Func<string>? state = null, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (clock.Elapsed > limit)
                throw new Xunit.Sdk.XunitException($"waited {limit.TotalSeconds:0} s for {what}; {state?.Invoke() ?? "it never came"}");
            await Task.Delay(20); // how often the condition is looked at, not a wait for time to pass
        }
    }

    /// <summary>Managed memory in use after a full, compacting collection.</summary>
    public static long LiveManagedBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    public static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024.0):0.0} MB";
}

/// <summary>
/// Keeps a weak reference to every session seen in the hub, so a test can show that none outlives its connection:
/// once closed, a session must be garbage, whatever ended it.
/// </summary>
internal sealed class SessionTracker(ChatHub hub)
{
    private readonly ConcurrentDictionary<long, WeakReference> _seen = new();

    public int Count => _seen.Count;

    /// <summary>Takes note of the sessions in the hub right now.</summary>
    public void Sample()
    {
        foreach (var session in hub.Sessions) _seen.TryAdd(session.Id, new WeakReference(session));
    }

    /// <summary>Ids of the sessions still alive after a full collection.</summary>
    public List<long> Alive()
    {
        ServerInsight.LiveManagedBytes();
        return _seen.Where(s => s.Value.IsAlive).Select(s => s.Key).Order().ToList();
    }
}
