namespace TcpChat.Tests.Server.History;

/// <summary>
/// A clock a test moves by hand. Only "now" is manual: timers still run on real time. Not FakeTimeProvider (used
/// elsewhere in the tests): its timers fire when it is advanced, so moving it by days would run the history's periodic
/// prune behind the retention tests' backs and take the deletions their own PruneAsync calls count.
/// </summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
