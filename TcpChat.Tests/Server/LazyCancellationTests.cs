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

    [Fact]
    public async Task AsyncCancelRunsNothingOnTheCallersThread()
    {
        var lazy = new LazyCancellation();
        var ranOn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lazy.Token.Register(() => ranOn.TrySetResult(Environment.CurrentManagedThreadId));
        int caller = Environment.CurrentManagedThreadId;
        lazy.Cancel(async: true);
        Assert.NotEqual(caller, await ranOn.Task.WaitAsync(TimeSpan.FromSeconds(30)));
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
