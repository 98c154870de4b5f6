namespace TcpChat.Server.Hosting;

/// <summary>
/// One slot per socket the server has accepted and not yet closed: TCP and TLS sessions, refusals still being written,
/// TLS handshakes, and every connection Kestrel takes on the web port. The accept loops (the web port's too) wait for
/// a free slot before they accept, so the sockets never take the descriptors the
/// runtime needs for itself (out of them, it aborts the whole process). The limit can change while the server runs:
/// the open-file limit can be lowered under it (<c>prlimit --pid</c>), or other parts can take more files than at
/// start.
/// </summary>
internal sealed class SocketSlots(int limit)
{
    private readonly object _gate = new();
    private int _limit = limit;
    private int _held;
    private TaskCompletionSource? _freed;

    /// <summary>Sockets open now.</summary>
    public int Held { get { lock (_gate) return _held; } }

    /// <summary>How many sockets may be open at once. Lowered below <see cref="Held"/>, nobody is closed: no new one is taken until enough have gone.</summary>
    public int Limit
    {
        get { lock (_gate) return _limit; }
        set
        {
            TaskCompletionSource? wake;
            lock (_gate)
            {
                _limit = Math.Max(0, value);
                wake = _held < _limit ? TakeWaiter() : null;
            }
            wake?.TrySetResult();
        }
    }

    /// <summary>Waits for a free slot and takes it (the accept loops: no accept while none is free).</summary>
    public async Task TakeAsync(CancellationToken cancel)
    {
        while (true)
        {
            Task freed;
            lock (_gate)
            {
                if (_held < _limit)
                {
                    _held++;
                    return;
                }
                _freed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                freed = _freed.Task;
            }
            await freed.WaitAsync(cancel);
        }
    }

    /// <summary>A socket is closed: its slot is free.</summary>
    public void Release()
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _held--;
            wake = _held < _limit ? TakeWaiter() : null;
        }
        wake?.TrySetResult();
    }

    private TaskCompletionSource? TakeWaiter()
    {
        var waiter = _freed;
        _freed = null;
        return waiter;
    }
}
