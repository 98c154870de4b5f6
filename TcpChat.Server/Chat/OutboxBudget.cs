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

    public long Total => Interlocked.Read(ref _total);

    public void Charge(long bytes)
    {
        if (Interlocked.Add(ref _total, bytes) > limit) overBudget();
    }

    public void Release(long bytes) => Interlocked.Add(ref _total, -bytes);
}
