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
}
