namespace TcpChat.Server.Security;

/// <summary>
/// One connection's flood control: a token bucket of <c>burst</c> frames refilled at <c>rate</c> frames a second, kept
/// as the time the bucket will next be full (GCRA, the "virtual scheduling" form of a token bucket). <see cref="Charge"/>
/// says how long a frame must wait for its token: zero while the bucket holds one. The reader loop waits that long
/// before handling the frame and reads nothing meanwhile (fake lag), so the client's own socket fills and holds it back.
/// <para>
/// A connection held back without a break for longer than <c>maxLag</c> is a flooder. A break is the client having had
/// nothing to send: the next frame came at least two intervals (two tokens' worth) after the reader loop was ready for
/// it. Measured from when the reader loop was actually ready (<see cref="Resumed"/>), so a reader loop that wakes up
/// late on a loaded machine neither looks like a break nor hides a flood.
/// </para>
/// </summary>
/// <remarks>
/// Hand-written rather than <c>System.Threading.RateLimiting.TokenBucketRateLimiter</c>: the reader loop handles one
/// frame at a time and only needs "how long until this frame's token", which is two lines of arithmetic here, with no
/// timer per connection (the limiter replenishes on a timer, or by hand), no lease objects, and the time passed in, so
/// tests need no clock. The disconnect rule (continuous lag) needs the same figures.
/// Times are milliseconds on any monotonic clock (<see cref="Environment.TickCount64"/>).
/// </remarks>
internal sealed class FloodGate(int burst, double perSecond, double maxLagSeconds)
{
    private readonly double _interval = 1000.0 / perSecond;
    private readonly double _tolerance = (burst - 1) * (1000.0 / perSecond);
    private readonly double _maxLagMs = maxLagSeconds * 1000.0;
    private double _bucketFullAt = double.MinValue; // the "theoretical arrival time" of GCRA
    private double _laggingSince = double.NaN;
    private double _readyAt = double.MinValue;

    /// <summary>What <see cref="Charge"/> decided.</summary>
    public readonly record struct Verdict(TimeSpan Wait, bool Flooding);

    /// <summary>
    /// Takes <paramref name="cost"/> tokens for a frame parsed at <paramref name="nowMs"/>. <see cref="Verdict.Wait"/>: how
    /// long to hold it back. <see cref="Verdict.Flooding"/>: the connection has been held back without a break for more
    /// than the maximum lag; it is not charged.
    /// </summary>
    public Verdict Charge(long nowMs, int cost = 1)
    {
        if (cost <= 0) return default;
        if (nowMs - _readyAt >= 2 * _interval) _laggingSince = double.NaN; // the client had nothing to send: a break
        double start = Math.Max(_bucketFullAt, nowMs);
        double next = start + cost * _interval;
        double wait = next - _interval - _tolerance - nowMs; // > 0: the bucket lacks this frame's token(s) now
        if (wait <= 0)
        {
            _bucketFullAt = next;
            _readyAt = nowMs;
            return default;
        }
        if (double.IsNaN(_laggingSince)) _laggingSince = nowMs;
        if (nowMs + wait - _laggingSince > _maxLagMs) return new Verdict(TimeSpan.Zero, Flooding: true);
        _bucketFullAt = next;
        _readyAt = nowMs + wait; // until Resumed says when the wait really ended
        return new Verdict(TimeSpan.FromMilliseconds(Math.Ceiling(wait)), Flooding: false);
    }

    /// <summary>The reader loop is done waiting at <paramref name="nowMs"/>: the time a break is measured from.</summary>
    public void Resumed(long nowMs) => _readyAt = nowMs;
}
