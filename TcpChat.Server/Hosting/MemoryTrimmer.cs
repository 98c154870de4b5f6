using System.Runtime;
using TcpChat.Server.Chat;

namespace TcpChat.Server.Hosting;

/// <summary>
/// Gives memory back after a burst of connections or of disconnections (Chat:TrimMemoryAfterSeconds). Connecting and
/// joining makes short-lived garbage faster than idle connections ever will, and the collector keeps the heap it grew
/// meanwhile: after a burst of 10,000 connections the server held about twice the memory they need. Once they leave,
/// the heap they used stays the process's until a collection compacts it, which an idle server may never run: 18,000
/// users gone left a 10 GB heap behind (issue 17). So once at least <see cref="BurstConnections"/> connections have come
/// or gone since the last trim, and then none for the set time, the sweep runs one compacting collection that returns
/// the free memory to the system, as allocators such as jemalloc do after a quiet spell. A busy server with a steady
/// trickle of connections never gets there, and pays nothing.
/// </summary>
/// <remarks>
/// Quiet means traffic too (Chat:TrimMemoryMaxFramesPerSecond): the collection stops every thread (16-41 ms measured at
/// 10,000 idle connections), and every receiver waits for it. So a due trim waits while the server writes more frames a
/// second, over the last sweep period, than that; but at most Chat:TrimMemoryMaxWaitSeconds, after which it runs anyway:
/// a server that stays busy would otherwise keep a burst's memory for good, the very case of issue 17.
/// </remarks>
/// <param name="clock">
/// When a connection came or went, in <see cref="Environment.TickCount64"/>'s milliseconds (the default); tests give
/// their own, as they give the sweep's.
/// </param>
internal sealed class MemoryTrimmer(double afterSeconds, ChatMetrics metrics, int maxFramesPerSecond,
    double maxWaitSeconds, Func<long>? clock = null)
{
    private readonly Func<long> _clock = clock ?? (static () => Environment.TickCount64);

    /// <summary>What a sweep's check did.</summary>
    public enum Outcome
    {
        /// <summary>No trim is due.</summary>
        None,
        /// <summary>A trim is due, and waits for quieter traffic (the first such check of a burst).</summary>
        Held,
        /// <summary>A trim is due, and still waits.</summary>
        StillHeld,
        /// <summary>The heap was compacted and free memory given back.</summary>
        Trimmed,
    }

    /// <summary>Connections come or gone that make a burst worth a trim.</summary>
    public const int BurstConnections = 1000;

    private long _sinceTrim;
    private long _lastChange;
    private long _framesAtLastCheck = -1;
    private long _lastCheck;
    private bool _held;

    /// <summary>The last trim's pause (the process's pause time across it), for the log.</summary>
    public TimeSpan LastPause { get; private set; }

    /// <summary>Frames written a second over the last sweep period, as the last check measured them.</summary>
    public long FramesPerSecond { get; private set; }

    /// <summary>From the accept loops.</summary>
    public void Accepted() => Changed();

    /// <summary>When a session has ended, and everything it held is garbage.</summary>
    public void Departed() => Changed();

    private void Changed()
    {
        Interlocked.Increment(ref _sinceTrim);
        Volatile.Write(ref _lastChange, _clock());
    }

    /// <summary>From the sweep: trims when a burst has been followed by a quiet spell.</summary>
    /// <param name="now">The sweep's clock (<see cref="Environment.TickCount64"/>).</param>
    public Outcome TrimIfQuiet(long now)
    {
        bool busy = Busy(now, metrics.MessagesOut.Total);
        if (afterSeconds <= 0 || Interlocked.Read(ref _sinceTrim) < BurstConnections) return Outcome.None;
        long due = Volatile.Read(ref _lastChange) + (long)(afterSeconds * 1000);
        if (now < due)
        {
            _held = false; // the burst went on: a wait once it is over is a new one, and is said again
            return Outcome.None;
        }
        if (busy && now < due + (long)(maxWaitSeconds * 1000))
        {
            if (_held) return Outcome.StillHeld;
            _held = true;
            return Outcome.Held;
        }
        _held = false;
        Interlocked.Exchange(ref _sinceTrim, 0);
        TimeSpan paused = GC.GetTotalPauseDuration();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        LastPause = GC.GetTotalPauseDuration() - paused;
        metrics.MemoryTrims.Add(1);
        return Outcome.Trimmed;
    }

    /// <summary>More frames written a second since the last check than the limit allows (never at the first check).</summary>
    private bool Busy(long now, long framesOut)
    {
        long frames = framesOut - _framesAtLastCheck, elapsed = Math.Max(1, now - _lastCheck);
        bool first = _framesAtLastCheck < 0;
        _framesAtLastCheck = framesOut;
        _lastCheck = now;
        if (first) return false;
        FramesPerSecond = frames * 1000 / elapsed;
        return maxFramesPerSecond > 0 && FramesPerSecond > maxFramesPerSecond;
    }
}
