namespace TcpChat.Tui.App;

/// <summary>
/// Reconnect delays: exponential from <see cref="Initial"/>, capped at <see cref="Max"/>, with "equal jitter"
/// (half fixed, half random) so that many clients cut off together do not come back together.
/// </summary>
public sealed class Backoff(TimeSpan initial, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private int _attempt;

    public TimeSpan Initial { get; } = initial;
    public TimeSpan Max { get; } = max;

    public TimeSpan Next()
    {
        double ceiling = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt, 30)));
        _attempt++;
        return TimeSpan.FromMilliseconds(ceiling / 2 + _random.NextDouble() * ceiling / 2);
    }

    public void Reset() => _attempt = 0;
}
