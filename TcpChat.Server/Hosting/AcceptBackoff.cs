namespace TcpChat.Server.Hosting;

/// <summary>
/// The pause after a failed accept: 5 ms, doubling to at most 1 s, back to 5 ms after a success (Go's net/http and
/// nats-server use the same shape). Also says when to log: the first failure, then at most once per
/// <see cref="LogEvery"/>, with the count since the last report, so a descriptor shortage is one line per interval.
/// </summary>
internal sealed class AcceptBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(5);
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan LogEvery = TimeSpan.FromSeconds(10);

    private long _lastReport = long.MinValue;
    private long _unreported;

    /// <summary>How long to wait before the next accept.</summary>
    public TimeSpan Delay { get; private set; } = TimeSpan.Zero;

    /// <summary>Counts a failure at <paramref name="now"/> (ms); returns the count to report, or null to stay quiet.</summary>
    public long? Failed(long now)
    {
        Delay = Delay == TimeSpan.Zero ? First : TimeSpan.FromTicks(Math.Min(Delay.Ticks * 2, Longest.Ticks));
        _unreported++;
        if (_lastReport != long.MinValue && now - _lastReport < (long)LogEvery.TotalMilliseconds) return null;
        _lastReport = now;
        long count = _unreported;
        _unreported = 0;
        return count;
    }

    public void Succeeded() => Delay = TimeSpan.Zero;
}
