using System.Runtime;
using TcpChat.Server.Chat;

namespace TcpChat.Server.Hosting;

/// <summary>
/// Gives memory back after a burst of connections (Chat:TrimMemoryAfterSeconds). Connecting and joining makes short-lived
/// garbage faster than idle connections ever will, and the collector keeps the heap it grew meanwhile: after a burst of
/// 10,000 connections the server held about twice the memory they need. So once at least <see cref="BurstConnections"/>
/// connections have come since the last trim, and then none for the set time, the sweep runs one compacting collection
/// that returns the free memory to the system, as allocators such as jemalloc do after a quiet spell. A busy server with
/// a steady trickle of connections never gets there, and pays nothing.
/// </summary>
internal sealed class MemoryTrimmer(double afterSeconds, ChatMetrics metrics)
{
    /// <summary>New connections that make a burst worth a trim.</summary>
    public const int BurstConnections = 1000;

    private long _sinceTrim;
    private long _lastAccepted;

    /// <summary>From the accept loops.</summary>
    public void Accepted()
    {
        Interlocked.Increment(ref _sinceTrim);
        Volatile.Write(ref _lastAccepted, Environment.TickCount64);
    }

    /// <summary>From the sweep: trims when a burst has been followed by a quiet spell. True when it trimmed.</summary>
    public bool TrimIfQuiet(long now)
    {
        if (afterSeconds <= 0 || Interlocked.Read(ref _sinceTrim) < BurstConnections) return false;
        if (now - Volatile.Read(ref _lastAccepted) < (long)(afterSeconds * 1000)) return false;
        Interlocked.Exchange(ref _sinceTrim, 0);
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        metrics.MemoryTrims.Add(1);
        return true;
    }
}
