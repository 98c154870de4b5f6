using TcpChat.Server.Hosting;

namespace TcpChat.Tests.Server.Service;

public sealed class AcceptBackoffTests
{
    [Fact]
    public void DelayStartsShortDoublesAndIsCappedThenResetsAfterASuccess()
    {
        var backoff = new AcceptBackoff();
        var delays = Enumerable.Range(0, 12).Select(_ => { backoff.Failed(0); return backoff.Delay.TotalMilliseconds; }).ToList();
        Assert.Equal([5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000], delays);
        backoff.Succeeded();
        backoff.Failed(0);
        Assert.Equal(5, backoff.Delay.TotalMilliseconds);
    }

    [Fact]
    public void FailuresAreReportedOncePerIntervalWithTheirCount()
    {
        var backoff = new AcceptBackoff();
        long every = (long)AcceptBackoff.LogEvery.TotalMilliseconds;
        Assert.Equal(1, backoff.Failed(1_000)); // the first one at once
        Assert.Null(backoff.Failed(1_001));
        Assert.Null(backoff.Failed(1_000 + every - 1));
        Assert.Equal(3, backoff.Failed(1_000 + every)); // the quiet ones and this one
        Assert.Null(backoff.Failed(1_000 + every + 1));
    }
}
