using System.Diagnostics;

namespace TcpChat.Server.Chat;

/// <summary>
/// Writing by the reader, as nats-server does (client.go: the <c>pcd</c> set and <c>flushClients</c>). While a reader loop
/// handles a frame, what it queues to other sessions does not wake their writer loops: each wake is a hand-off to the
/// thread pool and a thread woken, for each receiver and each message. It only notes the sessions whose writer loop is
/// parked; once the read is handled, it writes their queues itself (<see cref="Session.FlushDeferred"/>), a system call
/// each and no hand-off. Messages are written once stored: when the reader's last message is not stored yet, the
/// sessions waiting for it are written by one continuation of its storing, not by each one's writer loop waking twice.
/// </summary>
/// <remarks>
/// The list is the thread's, not the session's: a reader fills it only while it runs without waiting, and empties it
/// before it waits (<see cref="FlushNoted"/>), so the thread's list is always the running reader's. Producers that are
/// not a reader handling a frame (the cluster's consumer, the sweep, disconnects) wake writers as before.
/// </remarks>
internal static class ReaderFlush
{
    /// <summary>Time one reader spends writing others' queues at the end of a read; past it, the rest are woken.</summary>
    private static readonly long Budget = Stopwatch.Frequency / 2000; // 0.5 ms, as nats-server's flushClients

    /// <summary>
    /// The same when the read took all its socket had: 2 ms, about 100 receivers' sends on the benchmark's VM (a loopback
    /// send there costs about 10 us, the receiver's wake-up included). With 0.5 ms half of a 100-member room was still
    /// woken through the pool, and the pool's threads spun after each message (bench/notes.md, "Moderate rates").
    /// </summary>
    private static readonly long DrainedBudget = Stopwatch.Frequency / 500;

    /// <summary>
    /// More noted sessions than this (a big room) are woken, not written here, while the sender keeps its reader busy.
    /// Written at once, each gets one message per system call; woken, a writer loop runs later and takes the several a
    /// busy room queued meanwhile. At 1,000 receivers writing them here took fan-out from 5.4-6.8M deliveries/s down to
    /// 1.7M (the server fell behind at 2,000 msg/s). When the read took all the socket had (a moderate rate), there is
    /// nothing to batch: up to <see cref="MaxInlineDrained"/> are written here too, within the budget, rather than each
    /// woken through the thread pool.
    /// </summary>
    private const int MaxInline = 32;

    /// <summary>
    /// The most noted sessions written here when the read took all its socket had. A bigger room is woken as before: in
    /// the 2 ms budget the reader would write only the first 200 or so of 1,000 members, the pool would still be woken for
    /// the rest, and the reader's next read would wait 2 ms (fan-out at 1,000 receivers measured no better, 3.7M
    /// deliveries/s median of 4 against 4.1M).
    /// </summary>
    private const int MaxInlineDrained = 128;

    [ThreadStatic] private static bool t_active;
    [ThreadStatic] private static List<Session>? t_noted;
    [ThreadStatic] private static Task? t_lastPending;

    /// <summary>True while this thread's reader loop handles a frame: queued frames do not wake parked writers.</summary>
    public static bool Active => t_active;

    /// <summary>Around the handling of one frame (synchronous: nothing awaits in between).</summary>
    public static void Begin() => t_active = true;

    public static void End() => t_active = false;

    /// <summary>A session whose parked writer was not woken; noted once until it is flushed (the session sees to that).</summary>
    public static void Note(Session session) => (t_noted ??= []).Add(session);

    /// <summary>A message queued while active that is not stored yet: the last one is what the waiting sessions wait for.</summary>
    public static void Pending(Task later) => t_lastPending = later;

    /// <summary>Writes (or wakes) every noted session. Called before the reader waits, and when it is done with a read.</summary>
    /// <param name="drained">
    /// The read's last receive emptied its socket (plain TCP only): up to <see cref="MaxInlineDrained"/> sessions are written
    /// here, within <see cref="DrainedBudget"/>.
    /// </param>
    /// <returns>How many sessions' queues this thread wrote itself (for the <c>reader_writes</c> counter).</returns>
    public static int FlushNoted(bool drained = false)
    {
        List<Session>? noted = t_noted;
        Task? pending = t_lastPending;
        t_lastPending = null;
        if (noted is null || noted.Count == 0) return 0;
        List<Session>? waiting = null;
        int written = 0;
        long budget = drained ? DrainedBudget : Budget;
        long deadline = Stopwatch.GetTimestamp() + budget;
        bool few = noted.Count <= (drained ? MaxInlineDrained : MaxInline);
        try
        {
            foreach (var session in noted)
            {
                bool inTime = few && Stopwatch.GetTimestamp() < deadline;
                var claim = session.FlushDeferred(inTime, mayWait: few && pending is not null, noted: true);
                if (claim == Outbox.Claim.Claimed) written++;
                else if (claim == Outbox.Claim.Waiting) (waiting ??= []).Add(session);
            }
        }
        finally
        {
            noted.Clear(); // never left holding sessions whose note says they are on it
        }
        if (waiting is not null)
        {
            // Stored in order (one history loop): once the last is stored, so are the reader's others. A frame from
            // another reader may still wait; that session's own writer loop then waits for it, as before.
            // Stored meanwhile (the history loop runs on another core): written here, and counted as the reader's.
            if (pending!.IsCompleted) written += FlushWaiting(waiting, budget);
            else pending.ContinueWith(static (_, state) =>
                {
                    var (sessions, time) = ((List<Session>, long))state!;
                    FlushWaiting(sessions, time);
                }, (waiting, budget), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
        return written;
    }

    /// <summary>Writes the sessions that waited for the reader's last message to be stored, in its budget.</summary>
    /// <returns>How many it wrote (the rest were woken).</returns>
    private static int FlushWaiting(List<Session> waiting, long budget)
    {
        long deadline = Stopwatch.GetTimestamp() + budget;
        int written = 0;
        foreach (var session in waiting)
        {
            var claim = session.FlushDeferred(Stopwatch.GetTimestamp() < deadline, mayWait: false, noted: false);
            if (claim == Outbox.Claim.Claimed) written++;
        }
        return written;
    }
}
