using Microsoft.Extensions.Time.Testing;
using TcpChat.Bench.Load;

namespace TcpChat.Tests.Bench;

public sealed class RateScheduleTests
{
    // The pacer's clock is FakeTimeProvider: it moves only when told, 10,000,000 ticks a second (1 ms = 10,000).

    [Fact]
    public void SendTimesAreEvenlySpacedFromTheStart()
    {
        var s = new RateSchedule(rate: 200, count: 5, start: 1_000, frequency: 1_000_000);
        Assert.Equal([1_000, 6_000, 11_000, 16_000, 21_000], Enumerable.Range(0, 5).Select(i => s.SendTime(i)));
        Assert.Equal(21_000, s.End);
    }

    [Fact]
    public void FractionalIntervalsDoNotDrift()
    {
        var s = new RateSchedule(rate: 3, count: 3_001, start: 0, frequency: 1_000_000); // 333,333.33 us apart
        Assert.Equal(333_333, s.SendTime(1));
        Assert.Equal(666_667, s.SendTime(2));
        Assert.Equal(1_000_000_000, s.SendTime(3_000)); // exactly 1,000 s later
    }

    [Fact]
    public void DueByAgreesWithSendTimeAtEveryEdge()
    {
        var s = new RateSchedule(rate: 7_919, count: 10_000, start: 500, frequency: 1_000_000);
        Assert.Equal(0, s.DueBy(499));
        for (int i = 0; i < 10_000; i += 37)
        {
            Assert.Equal(i + 1, s.DueBy(s.SendTime(i)));
            if (i > 0) Assert.Equal(i, s.DueBy(s.SendTime(i) - 1));
        }
        Assert.Equal(10_000, s.DueBy(long.MaxValue / 2));
    }

    [Fact]
    public void PacerHandsOutEachMessageWhenItIsDueAndWaitsExactlyUntilTheNext()
    {
        var clock = new FakeTimeProvider();
        long t0 = clock.GetTimestamp();
        var s = new RateSchedule(rate: 1_000, count: 3, start: t0 + 100_000, frequency: clock.TimestampFrequency);
        var pacer = new Pacer(s, clock);
        var waits = new List<long>();
        void Wait(long ticks)
        {
            waits.Add(ticks);
            clock.Advance(TimeSpan.FromTicks(ticks));
        }
        Assert.Equal((0L, 1), pacer.Next(Wait, CancellationToken.None));
        Assert.Equal((1L, 1), pacer.Next(Wait, CancellationToken.None));
        Assert.Equal((2L, 1), pacer.Next(Wait, CancellationToken.None));
        Assert.Equal(0, pacer.Next(Wait, CancellationToken.None).Count);
        Assert.Equal([100_000, 10_000, 10_000], waits);
        Assert.True(pacer.Done);
    }

    [Fact]
    public void APacerThatFellBehindSendsEverythingDueAtOnceKeepingTheScheduledTimes()
    {
        // The sender stalled for 50 ms: the 50 messages due meanwhile go out at once, and each keeps the time it was
        // due, so their latency counts the stall (no coordinated omission).
        var clock = new FakeTimeProvider();
        long t0 = clock.GetTimestamp();
        var s = new RateSchedule(rate: 1_000, count: 100, start: t0, frequency: clock.TimestampFrequency);
        var pacer = new Pacer(s, clock);
        Assert.Equal((0L, 1), pacer.Next(_ => throw new InvalidOperationException("due now"), CancellationToken.None));
        clock.Advance(TimeSpan.FromMilliseconds(50));
        var (first, count) = pacer.Next(_ => throw new InvalidOperationException("due now"), CancellationToken.None);
        Assert.Equal((1L, 50), (first, count));
        Assert.Equal(t0 + 10_000, s.SendTime(first));
        Assert.Equal(t0 + 500_000, s.SendTime(first + count - 1));
    }

    [Fact]
    public void ABatchIsCappedAndTheRestFollowsWithoutWaiting()
    {
        var clock = new FakeTimeProvider();
        var s = new RateSchedule(rate: 1_000, count: 1_000, start: clock.GetTimestamp(), frequency: clock.TimestampFrequency);
        clock.Advance(TimeSpan.FromSeconds(1)); // all 1,000 are due
        var pacer = new Pacer(s, clock, maxBatch: 256);
        var batches = new List<int>();
        while (!pacer.Done) batches.Add(pacer.Next(_ => throw new InvalidOperationException("all due"), CancellationToken.None).Count);
        Assert.Equal([256, 256, 256, 232], batches);
    }

    [Fact]
    public void CancellingStopsThePacer()
    {
        var clock = new FakeTimeProvider();
        var pacer = new Pacer(new RateSchedule(10, 10, clock.GetTimestamp() + clock.TimestampFrequency, clock.TimestampFrequency), clock);
        using var cts = new CancellationTokenSource();
        var next = pacer.Next(_ => cts.Cancel(), cts.Token);
        Assert.Equal(0, next.Count);
    }

    [Fact]
    public void ARateOfZeroIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateSchedule(0, 1, 0, 1_000_000));
}
