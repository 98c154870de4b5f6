using HdrHistogram;

namespace TcpChat.Bench.Stats;

/// <summary>
/// The latencies of one measurement, in <see cref="System.Diagnostics.Stopwatch"/> ticks, kept by HdrHistogram's
/// <see cref="LongConcurrentHistogram"/>: <see cref="Record"/> is called by every receiving thread at once, and the
/// concurrent variant counts every value without a lock (plain <c>LongHistogram</c> is not safe from many threads).
/// A <c>Recorder</c> would also do, but it swaps histograms on read, and a step already gets a fresh histogram of its own.
/// </summary>
/// <remarks>
/// What this adds to the library: negative values (a clock read on another core a little early) count as 0, values past
/// <see cref="HighestTrackable"/> count as it instead of throwing, the maximum is exact, and a percentile is never
/// reported above that maximum. The values are kept to 3 significant digits (within 0.1%).
/// </remarks>
public sealed class LatencyHistogram
{
    /// <summary>
    /// Ten minutes, in ticks: longer than any step waits for a delivery. Kept under 2^41: HdrHistogram 2.5.0 computes
    /// the bounds of buckets at 2^41 and above wrongly (an overflow: the top of 3.6e12's bucket comes out below it).
    /// </summary>
    public static readonly long HighestTrackable = Math.Min(System.Diagnostics.Stopwatch.Frequency * 600, (1L << 41) - 1);

    public const int SignificantDigits = 3;

    private readonly LongConcurrentHistogram _histogram = new(1, HighestTrackable, SignificantDigits);
    private long _max;

    public long Count => _histogram.TotalCount;

    /// <summary>The largest value recorded, exactly; 0 when empty.</summary>
    public long Max => Volatile.Read(ref _max);

    /// <summary>The mean, from each value's bucket (within 0.1%); 0 when empty.</summary>
    public double Mean => Count == 0 ? 0 : _histogram.GetMean();

    public void Record(long value)
    {
        value = Math.Clamp(value, 0, HighestTrackable);
        _histogram.RecordValue(value);
        long seen;
        while (value > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, value, seen) != seen) { }
    }

    /// <summary>
    /// The value at or below which <paramref name="percentile"/> percent of the values lie (0 &lt; p ≤ 100): the
    /// highest value of the bucket that holds it, so never below it and at most 0.1% above, capped at <see cref="Max"/>.
    /// 0 when empty.
    /// </summary>
    public long Percentile(double percentile)
    {
        if (percentile is <= 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percentile), "0 < p <= 100");
        return Count == 0 ? 0 : Math.Min(_histogram.GetValueAtPercentile(percentile), Max);
    }
}
