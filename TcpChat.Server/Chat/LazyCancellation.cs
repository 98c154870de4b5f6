namespace TcpChat.Server.Chat;

/// <summary>
/// A cancellation source made only when someone waits on it: most connections never wait on theirs (a flood-control
/// pause, a message being stored), and a <see cref="CancellationTokenSource"/> is 48 bytes an idle connection need not
/// hold. <see cref="Cancel"/> may come before, during or after the first <see cref="Token"/>; the token is cancelled
/// either way. Kept in a mutable field (not readonly): it is a struct.
/// </summary>
internal struct LazyCancellation
{
    private CancellationTokenSource? _source;
    private int _cancelled;

    /// <summary>The token, cancelled once <see cref="Cancel"/> has been called.</summary>
    public CancellationToken Token
    {
        get
        {
            if (Volatile.Read(ref _cancelled) != 0) return new CancellationToken(canceled: true);
            CancellationTokenSource source = LazyInitializer.EnsureInitialized(ref _source);
            // Cancel may have run between the check above and the source's creation, and not seen it: cancel it here.
            if (Volatile.Read(ref _cancelled) != 0) source.Cancel();
            return source.Token;
        }
    }

    /// <summary>Cancels the token, once; with <paramref name="async"/> the callbacks never run on the caller's thread.</summary>
    public void Cancel(bool async = false)
    {
        if (Interlocked.Exchange(ref _cancelled, 1) != 0) return;
        if (Volatile.Read(ref _source) is not { } source) return;
        if (async) _ = source.CancelAsync();
        else source.Cancel();
    }
}
