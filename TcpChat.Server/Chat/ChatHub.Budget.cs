using Microsoft.Extensions.Logging;

namespace TcpChat.Server.Chat;

/// <summary>
/// Chat:OutboxTotalBytes (<see cref="Chat.OutboxBudget"/>): past it, the connections holding the most are cut as slow
/// consumers until the others fit, biggest first; the others keep chatting. A connection that holds no more than two of
/// the largest frames a client may send (2 x (MaxPayload + MaxLine)) is never cut for it: it is not behind, and a
/// big message fanned out to a big room counts once in every member's outbox while it is one array in memory.
/// </summary>
internal sealed partial class ChatHub
{
    /// <summary>A pass over every session costs microseconds per thousand; one that cut is not run again sooner than this.</summary>
    private const long BudgetPassGapMs = 100;

    /// <summary>
    /// After a pass that found nothing to cut: the running total said "over" but the outboxes' own counts did not (a
    /// batch between a writer's count and the total's). Look again soon, not after the full gap: a fast fan-out fills an
    /// outbox by hundreds of KB in 100 ms, and it would reach its own bound first, cutting the wrong connection.
    /// </summary>
    private const long BudgetRecheckGapMs = 5;

    private int _budgetPassQueued;
    private long _lastBudgetPass = long.MinValue / 2;

    public OutboxBudget OutboxBudget { get; }

    /// <summary>
    /// From whichever thread passed the budget, maybe under a room's lock: the cutting is done on the thread pool, at most
    /// one pass at a time.
    /// </summary>
    private void OverBudget()
    {
        if (Environment.TickCount64 - Volatile.Read(ref _lastBudgetPass) < BudgetPassGapMs) return; // the sweep looks too
        if (Interlocked.CompareExchange(ref _budgetPassQueued, 1, 0) != 0) return;
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            bool cut = false;
            try { cut = CutBiggestHolders(); }
            finally
            {
                Volatile.Write(ref _lastBudgetPass, Environment.TickCount64 - (cut ? 0 : BudgetPassGapMs - BudgetRecheckGapMs));
                Volatile.Write(ref _budgetPassQueued, 0);
            }
        }, null);
    }

    /// <summary>Counted on the outboxes themselves (the running total only says when to look); closing ones do not count.</summary>
    /// <returns>Whether it cut anyone.</returns>
    private bool CutBiggestHolders()
    {
        long floor = 2L * (_options.MaxPayload + _options.MaxLine);
        long live = 0;
        var holders = new List<(Session Session, long Bytes)>();
        foreach (var session in _sessions.Keys)
        {
            if (session.IsClosing) continue; // its backlog is being dropped
            long bytes = session.OutboxBytes;
            live += bytes;
            if (bytes > floor) holders.Add((session, bytes));
        }
        if (live <= OutboxBudget.Limit) return false;
        holders.Sort((a, b) => b.Bytes.CompareTo(a.Bytes));
        foreach (var (session, bytes) in holders)
        {
            if (live <= OutboxBudget.Limit) break;
            _log.LogWarning("Outboxes hold {Live} bytes, over the outbox budget {Budget}: cutting #{Id} ({Nick}), which holds {Bytes}",
                live, OutboxBudget.Limit, session.Id, session.Nick ?? "unregistered", bytes);
            session.CutOverBudget(bytes);
            live -= bytes;
        }
        return true;
    }
}
