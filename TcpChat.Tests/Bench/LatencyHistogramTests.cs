using System.Diagnostics;
using TcpChat.Bench.Stats;

namespace TcpChat.Tests.Bench;

/// <summary>
/// Our use of HdrHistogram for the benchmark's latencies: what we rely on (percentiles never under the true value and at
/// most 0.1% over, every value counted from many threads) and what we add (exact max, no percentile above it, values
/// out of range clamped instead of thrown).
/// </summary>
public sealed class LatencyHistogramTests
{
    [Fact]
    public void EmptyHistogramReportsZeros()
    {
        var h = new LatencyHistogram();
        Assert.Equal(0, h.Count);
        Assert.Equal(0, h.Percentile(50));
        Assert.Equal(0, h.Max);
        Assert.Equal(0, h.Mean);
    }

    [Fact]
    public void SmallValuesAreCountedExactly()
    {
        var h = new LatencyHistogram();
        for (int v = 1; v <= 100; v++) h.Record(v);
        Assert.Equal(100, h.Count);
        Assert.Equal(50, h.Percentile(50));
        Assert.Equal(99, h.Percentile(99));
        Assert.Equal(100, h.Percentile(100));
        Assert.Equal(1, h.Percentile(0.5));
        Assert.Equal(50.5, h.Mean);
    }

    [Fact]
    public void PercentilesOfAUniformMillionAreNeverLowAndAtMostATenthOfAPercentHigh()
    {
        var h = new LatencyHistogram();
        for (long v = 1; v <= 1_000_000; v++) h.Record(v * 1000); // 1 us .. 1 s in ns
        foreach (double p in new[] { 50, 90, 99, 99.9, 99.99 })
        {
            double exact = p / 100 * 1_000_000 * 1000;
            Assert.InRange(h.Percentile(p), exact, exact * 1.001);
        }
        Assert.Equal(1_000_000_000, h.Max);
        Assert.Equal(1_000_000_000, h.Percentile(100));
        Assert.InRange(h.Mean, 500_000_500 * 0.999, 500_000_500 * 1.001);
    }

    [Fact]
    public void TheTailIsNotHiddenByTheBulk()
    {
        var h = new LatencyHistogram();
        for (int i = 0; i < 9_990; i++) h.Record(1_000);
        for (int i = 0; i < 10; i++) h.Record(50_000_000);
        Assert.InRange(h.Percentile(99), 1_000, 1_001);
        Assert.Equal(50_000_000, h.Percentile(99.95));
        Assert.Equal(50_000_000, h.Max);
    }

    [Fact]
    public void MaxIsExactAndNoPercentileLiesAboveIt()
    {
        // 123,456,789 shares a bucket with values up to ~0.05% above it: the library alone would report the bucket's top.
        var h = new LatencyHistogram();
        h.Record(5);
        h.Record(123_456_789);
        Assert.Equal(123_456_789, h.Max);
        Assert.Equal(123_456_789, h.Percentile(100));
        Assert.Equal(123_456_789, h.Percentile(99.9));
    }

    [Fact]
    public void NegativeValuesCountAsZero()
    {
        var h = new LatencyHistogram();
        h.Record(-5);
        Assert.Equal(1, h.Count);
        Assert.Equal(0, h.Percentile(100));
        Assert.Equal(0, h.Max);
    }

    [Fact]
    public void ValuesPastTenMinutesCountAsTenMinutesInsteadOfThrowing()
    {
        var h = new LatencyHistogram();
        h.Record(long.MaxValue);
        h.Record(Stopwatch.Frequency * 3600);
        Assert.Equal(2, h.Count);
        Assert.Equal(Stopwatch.Frequency * 600, LatencyHistogram.HighestTrackable);
        Assert.Equal(LatencyHistogram.HighestTrackable, h.Max);
        Assert.Equal(LatencyHistogram.HighestTrackable, h.Percentile(50));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(60.0)]
    [InlineData(599.0)]
    public void LongLatenciesAreNotUnderReported(double seconds)
    {
        // Below the highest value, the percentile is the top of the value's bucket: never under the value. (HdrHistogram
        // 2.5.0 gets that wrong from 2^41 ticks on, which is why the range stops at ten minutes.)
        long value = (long)(seconds * Stopwatch.Frequency);
        var h = new LatencyHistogram();
        h.Record(value);
        h.Record(value + 1); // the max is then above the value: the bucket's top decides, not the cap
        Assert.InRange(h.Percentile(50), value, value * 1.001);
    }

    [Fact]
    public void RecordsFromManyThreadsAreAllCounted()
    {
        var h = new LatencyHistogram();
        // Eight threads of their own, released together, so the records really do overlap (the pool may grow slowly).
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 1; i <= 100_000; i++) h.Record(i % 1000 + 1);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(800_000, h.Count);
        Assert.Equal(1000, h.Max);
        Assert.Equal(500, h.Percentile(50));
    }

    [Fact]
    public void PercentileOutsideZeroToHundredIsRefused()
    {
        var h = new LatencyHistogram();
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Percentile(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Percentile(100.1));
    }
}
