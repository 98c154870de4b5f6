namespace TcpChat.Server.Cluster;

/// <summary>
/// What cluster mode keeps per local session: the rooms it asked to be in (answered at once, so that its next frame
/// finds them) and the chain of its engine operations, which run one after another so that the stream gets its JOIN
/// before its first message to the room, and its QUIT last.
/// </summary>
internal sealed class ClusterSession
{
    private Task _tail = Task.CompletedTask;

    /// <summary>Room key to room name; under its own lock.</summary>
    public Dictionary<string, string> Rooms { get; } = new();

    /// <summary>Queues <paramref name="work"/> after the session's earlier operations; it must not throw.</summary>
    public Task Then(Func<Task> work)
    {
        lock (Rooms)
        {
            _tail = _tail.ContinueWith(_ => work(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            return _tail;
        }
    }
}
