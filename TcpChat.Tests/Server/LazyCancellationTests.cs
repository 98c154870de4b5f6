using TcpChat.Server.Chat;

namespace TcpChat.Tests.Server;

/// <summary>A cancellation source made only when a wait needs one: cancelled whichever comes first, the wait or the cancel.</summary>
public sealed class LazyCancellationTests
{
    [Fact]
    public void CancelBeforeAnyoneWaitsGivesACancelledToken()
    {
        var lazy = new LazyCancellation();
        lazy.Cancel();
        Assert.True(lazy.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task CancelWhileSomeoneWaitsEndsTheWait()
    {
        var lazy = new LazyCancellation();
        Task wait = Task.Delay(Timeout.Infinite, lazy.Token);
        Assert.False(wait.IsCompleted);
        lazy.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private static readonly ThreadLocal<bool> InCancel = new();

    [Fact]
    public async Task AsyncCancelRunsNothingInsideTheCall()
    {
        var lazy = new LazyCancellation();
        var ranInside = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lazy.Token.Register(() => ranInside.TrySetResult(InCancel.Value));
        InCancel.Value = true; // (a thread id would not do: the pool may run the callback later on this same thread)
        try { lazy.Cancel(async: true); }
        finally { InCancel.Value = false; }
        Assert.False(await ranInside.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void CancellingTwiceIsOnce()
    {
        var lazy = new LazyCancellation();
        int calls = 0;
        using var registration = lazy.Token.Register(() => calls++);
        lazy.Cancel();
        lazy.Cancel();
        Assert.Equal(1, calls);
    }
}
