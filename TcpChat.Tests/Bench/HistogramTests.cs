using TcpChat.Bench.Stats;

namespace TcpChat.Tests.Bench;

public sealed class HistogramTests
{
    [Fact]
    public void EmptyHistogramReportsZeros()
    {
        var h = new Histogram();
        Assert.Equal(0, h.Count);
        Assert.Equal(0, h.Percentile(50));
        Assert.Equal(0, h.Max);
        Assert.Equal(0, h.Min);
    }

    [Fact]
    public void SmallValuesAreCountedExactly()
    {
        var h = new Histogram();
        for (int v = 1; v <= 100; v++) h.Record(v);
        Assert.Equal(50, h.Percentile(50));
        Assert.Equal(99, h.Percentile(99));
        Assert.Equal(100, h.Percentile(100));
        Assert.Equal(1, h.Percentile(0.5));
        Assert.Equal(1, h.Min);
        Assert.Equal(50.5, h.Mean);
    }

    [Fact]
    public void PercentilesOfAUniformMillionAreWithinAFractionOfAPercent()
    {
        var h = new Histogram();
        for (long v = 1; v <= 1_000_000; v++) h.Record(v * 1000); // 1 us .. 1 s in ns
        foreach (double p in new[] { 50, 90, 99, 99.9, 99.99 })
        {
            double exact = p / 100 * 1_000_000 * 1000;
            long got = h.Percentile(p);
            Assert.InRange(got, exact, exact * 1.004); // never below, at most 0.4% above
        }
        Assert.Equal(1_000_000_000, h.Max);
        Assert.Equal(1_000_000_000, h.Percentile(100));
    }

    [Fact]
    public void TheTailIsNotHiddenByTheBulk()
    {
        var h = new Histogram();
        for (int i = 0; i < 9_990; i++) h.Record(1_000);
        for (int i = 0; i < 10; i++) h.Record(50_000_000);
        Assert.InRange(h.Percentile(99), 1_000, 1_004);
        Assert.InRange(h.Percentile(99.95), 50_000_000, 50_200_000);
        Assert.Equal(50_000_000, h.Max);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(511L)]
    [InlineData(512L)]
    [InlineData(513L)]
    [InlineData(1023L)]
    [InlineData(1024L)]
    [InlineData(123_456_789L)]
    [InlineData(long.MaxValue)]
    public void EveryValueLiesInsideItsBucket(long value)
    {
        int i = Histogram.IndexOf(value);
        Assert.InRange(value, Histogram.LowestOf(i), Histogram.HighestOf(i));
        if (i > 0) Assert.Equal(Histogram.LowestOf(i) - 1, Histogram.HighestOf(i - 1)); // buckets tile the line
    }

    [Fact]
    public void BucketsAreNeverWiderThanAQuarterPercentOfTheirValues()
    {
        var random = new Random(7);
        for (int k = 0; k < 10_000; k++)
        {
            long v = (long)Math.Pow(2, random.NextDouble() * 62);
            int i = Histogram.IndexOf(v);
            double width = Histogram.HighestOf(i) - Histogram.LowestOf(i) + 1;
            Assert.True(width <= Math.Max(1, Histogram.LowestOf(i) / 256.0), $"{v}: bucket {i} is {width} wide");
        }
    }

    [Fact]
    public void NegativeValuesCountAsZero()
    {
        var h = new Histogram();
        h.Record(-5);
        Assert.Equal(0, h.Percentile(100));
        Assert.Equal(1, h.Count);
    }

    [Fact]
    public void AddMergesCountsAndExtremes()
    {
        var a = new Histogram();
        var b = new Histogram();
        for (int v = 1; v <= 50; v++) a.Record(v);
        for (int v = 51; v <= 100; v++) b.Record(v);
        a.Add(b);
        Assert.Equal(100, a.Count);
        Assert.Equal(50, a.Percentile(50));
        Assert.Equal(100, a.Max);
        Assert.Equal(1, a.Min);
    }

    [Fact]
    public void RecordsFromManyThreadsAreAllCounted()
    {
        var h = new Histogram();
        Parallel.For(0, 8, t =>
        {
            for (int i = 1; i <= 10_000; i++) h.Record(i);
        });
        Assert.Equal(80_000, h.Count);
        Assert.Equal(10_000, h.Max);
        Assert.Equal(1, h.Min);
    }

    [Fact]
    public void PercentileOutsideZeroToHundredIsRefused()
    {
        var h = new Histogram();
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Percentile(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Percentile(100.1));
    }
}
