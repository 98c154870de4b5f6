namespace TcpChat.Bench.Load;

/// <summary>
/// An open-loop send schedule: message i is due at <c>start + i / rate</c>, whatever happened to the messages before it.
/// A sender that falls behind sends every message that is due at once, each stamped with its <em>scheduled</em> time,
/// so a stall of the server (or of the sender) shows in the measured latency instead of being hidden by sending less
/// (no coordinated omission). Times are timestamps of a <see cref="TimeProvider"/>.
/// </summary>
public sealed class RateSchedule
{
    private readonly double _ticksPerMessage;

    /// <param name="rate">Messages per second, above 0.</param>
    /// <param name="count">How many messages the schedule holds.</param>
    public RateSchedule(double rate, long count, long start, long frequency)
    {
        if (!(rate > 0)) throw new ArgumentOutOfRangeException(nameof(rate), "the rate must be above 0");
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Rate = rate;
        Count = count;
        Start = start;
        Frequency = frequency;
        _ticksPerMessage = frequency / rate;
    }

    public double Rate { get; }

    public long Count { get; }

    public long Start { get; }

    public long Frequency { get; }

    /// <summary>When message <paramref name="i"/> (from 0) is due.</summary>
    public long SendTime(long i) => Start + (long)Math.Round(i * _ticksPerMessage);

    /// <summary>When the last message is due.</summary>
    public long End => Count == 0 ? Start : SendTime(Count - 1);

    /// <summary>How many messages are due at <paramref name="now"/>: those whose send time is at or before it.</summary>
    public long DueBy(long now)
    {
        if (now < Start) return 0;
        // An estimate from the rate, then corrected against SendTime so both agree exactly despite rounding.
        long n = Math.Min(Count, (long)((now - Start) / _ticksPerMessage) + 1);
        while (n > 0 && SendTime(n - 1) > now) n--;
        while (n < Count && SendTime(n) <= now) n++;
        return n;
    }
}

/// <summary>
/// Drives a <see cref="RateSchedule"/> on a dedicated thread: sleeps until the next message is due (a coarse sleep,
/// then a short spin for the last fraction of a millisecond), then hands the caller every message due by now, as one
/// batch. A batch is at most <paramref name="maxBatch"/> messages; a sender that is behind gets the next at once.
/// </summary>
public sealed class Pacer(RateSchedule schedule, TimeProvider clock, int maxBatch = 1024)
{
    /// <summary>Messages handed out so far.</summary>
    public long Sent { get; private set; }

    public bool Done => Sent >= schedule.Count;

    /// <summary>
    /// The next batch of due messages, as [first, first + count), or waits for one; count is 0 once the schedule is
    /// done or <paramref name="cancel"/> is set. <paramref name="wait"/> is how to wait for a number of ticks
    /// (a test passes one that moves its fake clock).
    /// </summary>
    public (long First, int Count) Next(Action<long> wait, CancellationToken cancel)
    {
        while (!Done && !cancel.IsCancellationRequested)
        {
            long now = clock.GetTimestamp();
            long due = schedule.DueBy(now);
            if (due > Sent)
            {
                long first = Sent;
                int count = (int)Math.Min(due - first, maxBatch);
                Sent += count;
                return (first, count);
            }
            wait(schedule.SendTime(Sent) - now);
        }
        return (Sent, 0);
    }

    /// <summary>
    /// Waits about <paramref name="ticks"/> of a real clock: sleeps (nanosleep, with the thread's timer slack cut to
    /// 1 ns by <see cref="PrepareThread"/>) until 100 us before, then yields, so a message goes out within a few
    /// microseconds of its time without spinning a core.
    /// </summary>
    public static unsafe void RealWait(long ticks, long frequency)
    {
        double us = ticks * 1e6 / frequency;
        if (us > 150)
        {
            long ns = (long)((us - 100) * 1000);
            var t = new Native.TimeSpec { Seconds = ns / 1_000_000_000, Nanoseconds = ns % 1_000_000_000 };
            Native.nanosleep(&t, null);
        }
        else if (us > 5) Thread.Yield();
        else Thread.SpinWait(10);
    }

    /// <summary>For the sending thread: timer slack of 1 ns, so its sleeps end when asked (the default slack is 50 us).</summary>
    public static void PrepareThread() => Native.prctl(Native.PrSetTimerSlack, 1, 0, 0, 0);
}
