namespace TcpChat.Bench.Stats;

/// <summary>
/// A log-linear histogram of non-negative values, in the manner of HdrHistogram: values below
/// <see cref="SubBuckets"/> are counted exactly; above, every power of two is split into <see cref="SubBuckets"/>/2 equal
/// buckets, so a value is known to within 1/256 of itself (0.4%) whatever its size, in a fixed 112 KiB of counters.
/// <see cref="Record"/> is safe from many threads at once (one interlocked add per value).
/// </summary>
public sealed class Histogram
{
    /// <summary>Bits of precision: a value is kept to within 2^-(SubBucketBits-1) of itself.</summary>
    public const int SubBucketBits = 9;

    public const int SubBuckets = 1 << SubBucketBits; // 512: 0..511 exact
    private const int HalfSubBuckets = SubBuckets / 2;
    private const int Shifts = 63 - SubBucketBits; // shifts 1..54 cover values up to long.MaxValue

    private readonly long[] _counts = new long[SubBuckets + Shifts * HalfSubBuckets];
    private long _count;
    private long _max;
    private long _min = long.MaxValue;
    private long _sum;

    public long Count => Volatile.Read(ref _count);

    /// <summary>The largest value recorded, exactly; 0 when empty.</summary>
    public long Max => Count == 0 ? 0 : Volatile.Read(ref _max);

    /// <summary>The smallest value recorded, exactly; 0 when empty.</summary>
    public long Min => Count == 0 ? 0 : Volatile.Read(ref _min);

    public double Mean => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    /// <summary>Counts one value; a negative one counts as 0.</summary>
    public void Record(long value)
    {
        if (value < 0) value = 0;
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, value);
        long seen;
        while (value > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, value, seen) != seen) { }
        while (value < (seen = Volatile.Read(ref _min)) && Interlocked.CompareExchange(ref _min, value, seen) != seen) { }
    }

    /// <summary>
    /// The value at or below which <paramref name="percentile"/> percent of the values lie (0 &lt; p ≤ 100): the highest
    /// value of the bucket holding the value of that rank, so never an underestimate, at most 0.4% over, and never above
    /// <see cref="Max"/>. 0 when empty.
    /// </summary>
    public long Percentile(double percentile)
    {
        if (percentile is <= 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percentile), "0 < p <= 100");
        long count = Count;
        if (count == 0) return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank) return Math.Min(HighestOf(i), Max);
        }
        return Max;
    }

    /// <summary>Adds every value of <paramref name="other"/> to this one.</summary>
    public void Add(Histogram other)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            long c = Volatile.Read(ref other._counts[i]);
            if (c != 0) Interlocked.Add(ref _counts[i], c);
        }
        if (other.Count == 0) return;
        Interlocked.Add(ref _count, other.Count);
        Interlocked.Add(ref _sum, Volatile.Read(ref other._sum));
        long seen;
        while (other.Max > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, other.Max, seen) != seen) { }
        while (other.Min < (seen = Volatile.Read(ref _min)) && Interlocked.CompareExchange(ref _min, other.Min, seen) != seen) { }
    }

    /// <summary>The bucket of a value: exact below <see cref="SubBuckets"/>, then HalfSubBuckets buckets per power of two.</summary>
    internal static int IndexOf(long value)
    {
        if (value < SubBuckets) return (int)value;
        int shift = 64 - (int)long.LeadingZeroCount(value) - SubBucketBits; // 1 for 512..1023
        long top = value >> shift; // HalfSubBuckets..SubBuckets-1
        return SubBuckets + (shift - 1) * HalfSubBuckets + (int)(top - HalfSubBuckets);
    }

    /// <summary>The lowest value counted in bucket <paramref name="index"/>.</summary>
    internal static long LowestOf(int index)
    {
        if (index < SubBuckets) return index;
        int shift = (index - SubBuckets) / HalfSubBuckets + 1;
        long top = (index - SubBuckets) % HalfSubBuckets + HalfSubBuckets;
        return top << shift;
    }

    /// <summary>The highest value counted in bucket <paramref name="index"/>.</summary>
    internal static long HighestOf(int index)
    {
        if (index < SubBuckets) return index;
        int shift = (index - SubBuckets) / HalfSubBuckets + 1;
        long top = (index - SubBuckets) % HalfSubBuckets + HalfSubBuckets;
        // The last bucket's upper end is long.MaxValue: ((top + 1) << shift) would overflow.
        return top == SubBuckets - 1 && shift == Shifts ? long.MaxValue : ((top + 1) << shift) - 1;
    }
}
