using TcpChat.Server.Chat;

namespace TcpChat.Tests.Server;

/// <summary>The outbox: many producers, one writer loop, bounded in bytes, frames in the order they were queued.</summary>
public sealed class OutboxTests
{
    private static ReadOnlyMemory<byte> Frame(int producer, int n) => BitConverter.GetBytes(((long)producer << 32) | (uint)n);

    private static (int Producer, int N) Decode(ReadOnlyMemory<byte> frame)
    {
        long v = BitConverter.ToInt64(frame.Span);
        return ((int)(v >> 32), (int)(uint)v);
    }

    [Fact]
    public async Task WriterGetsEveryFrameOfConcurrentProducersEachInItsOwnOrder()
    {
        const int producers = 4, each = 20_000;
        var outbox = new Outbox(int.MaxValue);
        var next = new int[producers];
        int received = 0;
        Task writer = Task.Run(async () =>
        {
            while (true)
            {
                await outbox.WaitAsync();
                var batch = outbox.TakeAll();
                if (batch.Count == 0) return;
                for (int i = 0; i < batch.Count; i++)
                {
                    var (p, n) = Decode(batch.Items[i].Frame);
                    Assert.Equal(next[p], n);
                    next[p]++;
                    outbox.Taken(batch.Items[i].Charged);
                }
                received += batch.Count;
                outbox.Return(batch);
            }
        });
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(() =>
        {
            for (int n = 0; n < each; n++) Assert.Equal(Outbox.Result.Queued, outbox.TryEnqueue(Frame(p, n)));
        })));
        outbox.Complete(default, dropBacklog: false);
        await writer.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(producers * each, received);
        Assert.All(next, n => Assert.Equal(each, n));
        Assert.Equal(0, outbox.Bytes);
    }

    [Fact]
    public async Task WaitingWriterWakesWhenAFrameIsQueued()
    {
        var outbox = new Outbox(1024);
        ValueTask wait = outbox.WaitAsync();
        Assert.False(wait.IsCompleted);
        outbox.TryEnqueue("PING 1\n"u8.ToArray());
        await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var batch = outbox.TakeAll();
        Assert.Equal(1, batch.Count);
        Assert.Equal("PING 1\n"u8.ToArray(), batch.Items[0].Frame.ToArray());
    }

    [Fact]
    public async Task CompleteWakesTheWriterAndRefusesLaterFrames()
    {
        var outbox = new Outbox(1024);
        ValueTask wait = outbox.WaitAsync();
        outbox.Complete("BYE\n"u8.ToArray(), dropBacklog: true);
        await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, outbox.TakeAll().Count);
        Assert.True(outbox.DropBacklog);
        Assert.Equal("BYE\n"u8.ToArray(), outbox.LastFrames.ToArray());
        Assert.Equal(Outbox.Result.Closed, outbox.TryEnqueue(new byte[10]));
        Assert.Equal(0, outbox.Bytes);
    }

    [Fact]
    public void FrameOverTheBoundIsRefusedAndCountsNothing()
    {
        var outbox = new Outbox(100);
        Assert.Equal(Outbox.Result.Queued, outbox.TryEnqueue(new byte[60]));
        Assert.Equal(Outbox.Result.Full, outbox.TryEnqueue(new byte[41]));
        Assert.Equal(60, outbox.Bytes);
        Assert.Equal(Outbox.Result.Queued, outbox.TryEnqueue(new byte[40]));
        Assert.Equal(100, outbox.Bytes);
    }

    [Fact]
    public void BatchesKeepTheirOrderAcrossTheSwappedArrays()
    {
        var outbox = new Outbox(int.MaxValue);
        var seen = new List<int>();
        for (int round = 0; round < 50; round++)
        {
            for (int k = 0; k < round; k++) outbox.TryEnqueue(Frame(0, seen.Count + k));
            if (round > 0) Assert.True(outbox.WaitAsync().IsCompleted);
            var batch = outbox.TakeAll();
            Assert.Equal(round, batch.Count);
            for (int i = 0; i < batch.Count; i++) seen.Add(Decode(batch.Items[i].Frame).N);
            outbox.Return(batch);
            Assert.All(batch.Items, item => Assert.True(item.Frame.IsEmpty, "a returned batch holds no frames"));
        }
        Assert.Equal(Enumerable.Range(0, seen.Count), seen);
    }

    private static Outgoing Ready(string text) { byte[] b = System.Text.Encoding.ASCII.GetBytes(text); return new Outgoing(b, b.Length, null, false); }

    [Fact]
    public async Task DeferredFrameLeavesTheWriterParkedUntilClaimedAndReleaseParksItAgain()
    {
        var outbox = new Outbox(1024);
        ValueTask wait = outbox.WaitAsync();
        Assert.Equal(Outbox.Result.Queued, outbox.TryEnqueue(Ready("A\n"), deferWake: true, out bool parked));
        Assert.True(parked);
        Assert.False(wait.IsCompleted); // not woken: the reader sees to it

        Assert.Equal(Outbox.Claim.Claimed, outbox.ClaimOrWake(mayClaim: true, mayWait: true, 1024, out var batch));
        Assert.Equal("A\n"u8.ToArray(), batch.Items[0].Frame.ToArray());
        // While claimed, a producer finds no parked writer to wake, and nobody else can claim.
        Assert.Equal(Outbox.Result.Queued, outbox.TryEnqueue(Ready("B\n"), deferWake: true, out parked));
        Assert.False(parked);
        Assert.Equal(Outbox.Claim.None, outbox.ClaimOrWake(mayClaim: true, mayWait: true, 1024, out _));
        outbox.Taken(batch.Items[0].Charged);
        outbox.Return(batch);
        outbox.Release(wake: false); // B came meanwhile: the writer loop is woken for it
        await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var rest = outbox.TakeAll();
        Assert.Equal("B\n"u8.ToArray(), rest.Items[0].Frame.ToArray());
        outbox.Taken(rest.Items[0].Charged);
        outbox.Return(rest);

        ValueTask again = outbox.WaitAsync();
        outbox.TryEnqueue(Ready("C\n"), deferWake: true, out _);
        Assert.Equal(Outbox.Claim.Claimed, outbox.ClaimOrWake(true, true, 1024, out batch));
        outbox.Return(batch);
        outbox.Release(wake: false); // nothing came: parked again, on the same wait
        Assert.False(again.IsCompleted);
        outbox.TryEnqueue(Ready("D\n")); // an ordinary producer wakes it
        await again.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("D\n"u8.ToArray(), outbox.TakeAll().Items[0].Frame.ToArray());
    }

    [Fact]
    public void QueueWithAFrameNotStoredYetIsNotClaimed()
    {
        var outbox = new Outbox(1024);
        _ = outbox.WaitAsync();
        var stored = new TaskCompletionSource<ReadOnlyMemory<byte>>();
        outbox.TryEnqueue(new Outgoing(new byte[4], 4, stored.Task, false), deferWake: true, out _);
        Assert.Equal(Outbox.Claim.Waiting, outbox.ClaimOrWake(mayClaim: true, mayWait: true, 1024, out _));
        stored.SetResult(new byte[4]);
        Assert.Equal(Outbox.Claim.Claimed, outbox.ClaimOrWake(mayClaim: true, mayWait: true, 1024, out var batch));
        Assert.Equal(1, batch.Count);
    }

    [Fact]
    public async Task QueueOverTheClaimBoundWakesTheWriterInstead()
    {
        var outbox = new Outbox(1024);
        ValueTask wait = outbox.WaitAsync();
        outbox.TryEnqueue(new Outgoing(new byte[100], 100, null, false), deferWake: true, out _);
        Assert.Equal(Outbox.Claim.None, outbox.ClaimOrWake(mayClaim: true, mayWait: true, maxBytes: 50, out _));
        await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, outbox.TakeAll().Count);
    }

    [Fact]
    public async Task CompletedWhileClaimedTheWriterIsWokenAtRelease()
    {
        var outbox = new Outbox(1024);
        ValueTask wait = outbox.WaitAsync();
        outbox.TryEnqueue(Ready("A\n"), deferWake: true, out _);
        Assert.Equal(Outbox.Claim.Claimed, outbox.ClaimOrWake(true, true, 1024, out var batch));
        outbox.Complete("BYE\n"u8.ToArray(), dropBacklog: false);
        Assert.False(wait.IsCompleted); // the claimer is the writer for now
        outbox.Return(batch);
        outbox.Release(wake: false);
        await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, outbox.TakeAll().Count);
        Assert.Equal("BYE\n"u8.ToArray(), outbox.LastFrames.ToArray());
    }
}
