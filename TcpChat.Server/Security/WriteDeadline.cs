namespace TcpChat.Server.Security;

/// <summary>
/// The deadline of one write to a connection (Chat:WriteTimeoutSeconds): a flush of at most <see cref="ChunkBytes"/> that
/// has not completed when it passes means the client has stopped reading, and it is closed as a slow consumer. One per
/// connection, used by its writer loop only; its token is reused from flush to flush.
/// </summary>
internal sealed class WriteDeadline(TimeSpan limit)
{
    /// <summary>The writer loop flushes at least this often, so that the deadline measures progress, not a whole backlog.</summary>
    public const int ChunkBytes = 64 * 1024;

    private CancellationTokenSource _cts = new();

    /// <summary>A token canceled when the deadline of the write about to start passes.</summary>
    public CancellationToken Start()
    {
        if (!_cts.TryReset())
        {
            _cts.Dispose();
            _cts = new CancellationTokenSource();
        }
        _cts.CancelAfter(limit);
        return _cts.Token;
    }

    /// <summary>The write is over: the deadline no longer runs.</summary>
    public void Stop() => _cts.CancelAfter(Timeout.InfiniteTimeSpan);
}
