namespace TcpChat.Server.Chat;

/// <summary>
/// The bytes waiting in all outboxes together, against Chat:OutboxTotalBytes. Each outbox has its own bound
/// (Chat:OutboxBytes), but 20,000 connections each under it can still hold 20 GB: past the total, the hub cuts the
/// connections holding the most as slow consumers (<see cref="ChatHub"/>, "CutBiggestHolders"), as Redis does with
/// client-output-buffer-limit under maxmemory. This running total only says when to look: it is charged and released
/// by the outboxes without a lock, and the hub decides on the outboxes' own counts.
/// </summary>
/// <param name="overBudget">Called, from whichever thread charged (maybe under a room's lock), when the total passes the limit.</param>
internal sealed class OutboxBudget(long limit, Action overBudget)
{
    private long _total;

    public long Limit => limit;

    /// <summary>
    /// The budget the server keeps: the configured one, but at most a quarter of the memory the GC may use (a
    /// container's memory limit, DOTNET_GCHeapHardLimit, or the machine's memory), and never less than one
    /// outbox. A budget past what the process may hold would let a hostile load run it out of memory before any
    /// slow consumer is cut; the rest of the memory is for everything else (sessions, rooms, the history cache).
    /// </summary>
    /// <param name="gcAvailable">GCMemoryInfo.TotalAvailableMemoryBytes; 0 or less when unknown (then the configured one).</param>
    public static long EffectiveLimit(long configured, int perConnection, long gcAvailable) =>
        gcAvailable <= 0 ? configured : Math.Min(configured, Math.Max(perConnection, gcAvailable / 4));

    public long Total => Interlocked.Read(ref _total);

    public void Charge(long bytes)
    {
        if (Interlocked.Add(ref _total, bytes) > limit) overBudget();
    }

    public void Release(long bytes) => Interlocked.Add(ref _total, -bytes);
}
