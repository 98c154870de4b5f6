using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TcpChat.Server.Transport;

namespace TcpChat.Tests.Server.Transport;

/// <summary>
/// The plain TCP transport's reader and writer (<see cref="SocketInput"/>, <see cref="SocketOutput"/>) over a real
/// loopback connection: everything arrives in order, nothing is held while idle, cancels end a wait and lose nothing.
/// </summary>
public sealed class SocketPipeTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private Socket _server = null!; // the server's end, read and written through the pipes
    private Socket _client = null!; // the peer, a plain socket
    private SocketInput _input = null!;
    private SocketOutput _output = null!;

    public async Task InitializeAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task connect = _client.ConnectAsync(listener.LocalEndPoint!);
        _server = await listener.AcceptAsync();
        await connect;
        _server.Blocking = false;
        _input = new SocketInput(_server);
        _output = new SocketOutput(_server, 64 * 1024);
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _server.Dispose();
        return Task.CompletedTask;
    }

    private async Task SendAsync(string text) => await _client.SendAsync(Encoding.UTF8.GetBytes(text));

    private static string Text(ReadOnlySequence<byte> buffer) => Encoding.UTF8.GetString(buffer);

    [Fact]
    public void SocketThatBlocksIsRefused()
    {
        using var blocking = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<ArgumentException>(() => new SocketInput(blocking));
        Assert.Throws<ArgumentException>(() => new SocketOutput(blocking, 4096));
    }

    [Fact]
    public async Task EverythingSentArrivesInOrderWhateverTheReaderConsumes()
    {
        // Multi-byte text, sent in odd-sized pieces; the reader consumes up to the last newline it sees (as the frame
        // parser does), so the unconsumed tail moves to the front of the buffer, and lines longer than it grow it.
        var random = new Random(15);
        var sent = new StringBuilder();
        for (int i = 0; i < 3000; i++)
            sent.Append("SEND #café :olá João 漢字 👍 ").Append(new string('x', random.Next(0, i % 100 == 0 ? 9000 : 200))).Append('\n');
        byte[] bytes = Encoding.UTF8.GetBytes(sent.ToString());
        Task sender = Task.Run(async () =>
        {
            for (int at = 0; at < bytes.Length;)
            {
                int n = Math.Min(random.Next(1, 7000), bytes.Length - at);
                await _client.SendAsync(bytes.AsMemory(at, n));
                at += n;
            }
        });
        var received = new MemoryStream();
        while (received.Length < bytes.Length)
        {
            ReadResult result = await _input.ReadAsync().AsTask().WaitAsync(Patience);
            ReadOnlySequence<byte> buffer = result.Buffer;
            SequencePosition? newline = null;
            for (var at = buffer.PositionOf((byte)'\n'); at is { } p; at = buffer.Slice(buffer.GetPosition(1, p)).PositionOf((byte)'\n'))
                newline = buffer.GetPosition(1, p);
            if (newline is { } end)
            {
                foreach (var segment in buffer.Slice(0, end)) received.Write(segment.Span);
                _input.AdvanceTo(end, buffer.End);
            }
            else
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        await sender;
        Assert.Equal(bytes, received.ToArray());
        Assert.False(_input.HoldsBuffer); // all consumed: nothing held
    }

    [Fact]
    public async Task ReadThatExaminedEverythingWaitsForMoreInput()
    {
        await SendAsync("NICK Jo");
        ReadResult first = await _input.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.Equal("NICK Jo", Text(first.Buffer));
        _input.AdvanceTo(first.Buffer.Start, first.Buffer.End); // nothing consumed, all examined: a line not ended yet

        ValueTask<ReadResult> second = _input.ReadAsync();
        Assert.False(second.IsCompleted);
        await SendAsync("ão\n");
        ReadResult more = await second.AsTask().WaitAsync(Patience);
        Assert.Equal("NICK João\n", Text(more.Buffer));
    }

    [Fact]
    public async Task ReadThatExaminedPartGivesTheRestAtOnce()
    {
        await SendAsync("PING 1\nPING 2\n");
        ReadResult first = await _input.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.Equal("PING 1\nPING 2\n", Text(first.Buffer));
        SequencePosition afterFirst = first.Buffer.GetPosition(7);
        _input.AdvanceTo(afterFirst, afterFirst);

        ValueTask<ReadResult> second = _input.ReadAsync();
        Assert.True(second.IsCompleted); // no wait: the rest was not examined
        Assert.Equal("PING 2\n", Text((await second).Buffer));
    }

    [Fact]
    public async Task IdleReaderHoldsNoBuffer()
    {
        await SendAsync("PING 1\n");
        ReadResult result = await _input.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.True(_input.HoldsBuffer);
        _input.AdvanceTo(result.Buffer.End);
        Assert.False(_input.HoldsBuffer);

        ValueTask<ReadResult> waiting = _input.ReadAsync(); // parked, as an idle connection is
        Assert.False(waiting.IsCompleted);
        Assert.False(_input.HoldsBuffer);
        await SendAsync("PING 2\n");
        Assert.Equal("PING 2\n", Text((await waiting.AsTask().WaitAsync(Patience)).Buffer));
    }

    private static readonly ThreadLocal<bool> InCancel = new();

    [Fact]
    public async Task CancelPendingReadEndsAWaitingReadOutsideTheCallAndLosesNothing()
    {
        ValueTask<ReadResult> waiting = _input.ReadAsync();
        Assert.False(waiting.IsCompleted);
        // The reader's continuation, registered before the cancel and with no context to post to, as the server's
        // reader loop is: it would run inside CancelPendingRead if the cancel completed the read on its own thread.
        Task<(bool RanInside, ReadResult Result)> ended = ContinueWithoutContext(waiting);
        lock (this)
        {
            // A room's lock is held when a broadcast cuts a slow consumer: the reader must not go on inside this call.
            // (A thread id would not do: the pool may run the reader later on this same thread.)
            InCancel.Value = true;
            try { _input.CancelPendingRead(); }
            finally { InCancel.Value = false; }
        }
        var (ranInside, result) = await ended.WaitAsync(Patience);
        Assert.False(ranInside);
        Assert.True(result.IsCanceled);

        // The cancelled read's receive took nothing: what comes next is read whole.
        await SendAsync("PING after\n");
        ReadResult next = await _input.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.False(next.IsCanceled);
        Assert.Equal("PING after\n", Text(next.Buffer));
    }

    private static Task<(bool RanInside, ReadResult Result)> ContinueWithoutContext(ValueTask<ReadResult> read)
    {
        var ended = new TaskCompletionSource<(bool, ReadResult)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var awaiter = read.ConfigureAwait(false).GetAwaiter();
        awaiter.UnsafeOnCompleted(() => ended.SetResult((InCancel.Value, awaiter.GetResult())));
        return ended.Task;
    }

    [Fact]
    public async Task InputThatComesRightAfterACancelledReadIsReadWhateverTheOrder()
    {
        // The cancelled read's receive is still out when the input comes: the next read may start before or after it
        // fires, and must get the input either way.
        for (int i = 0; i < 300; i++)
        {
            ValueTask<ReadResult> waiting = _input.ReadAsync();
            _input.CancelPendingRead();
            Assert.True((await waiting.AsTask().WaitAsync(Patience)).IsCanceled);
            await SendAsync($"PING {i}\n");
            if (i % 2 == 0) await Task.Yield(); // sometimes give the receive's completion a head start
            ReadResult next = await _input.ReadAsync().AsTask().WaitAsync(Patience);
            Assert.Equal($"PING {i}\n", Text(next.Buffer));
            _input.AdvanceTo(next.Buffer.End);
        }
    }

    [Fact]
    public async Task ResetAfterACancelledReadFailsTheNextRead()
    {
        ValueTask<ReadResult> waiting = _input.ReadAsync();
        _input.CancelPendingRead();
        Assert.True((await waiting.AsTask().WaitAsync(Patience)).IsCanceled);
        _client.LingerState = new LingerOption(true, 0);
        _client.Close(); // RST, seen by the cancelled read's receive or by the next one
        await Assert.ThrowsAsync<SocketException>(() => _input.ReadAsync().AsTask().WaitAsync(Patience));
        Assert.False(_input.HoldsBuffer);
    }

    [Fact]
    public async Task CancelBeforeAReadEndsThatRead()
    {
        _input.CancelPendingRead();
        ReadResult result = await _input.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.True(result.IsCanceled);
        await SendAsync("PING 1\n");
        Assert.Equal("PING 1\n", Text((await _input.ReadAsync().AsTask().WaitAsync(Patience)).Buffer));
    }

    [Fact]
    public async Task ClientClosingItsSideCompletesTheInputAfterWhatItSent()
    {
        await SendAsync("QUIT :bye\n");
        _client.Shutdown(SocketShutdown.Send);
        var text = new StringBuilder();
        while (true)
        {
            ReadResult result = await _input.ReadAsync().AsTask().WaitAsync(Patience);
            text.Append(Text(result.Buffer));
            _input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        Assert.Equal("QUIT :bye\n", text.ToString());
    }

    [Fact]
    public async Task ResetFailsTheRead()
    {
        ValueTask<ReadResult> waiting = _input.ReadAsync();
        _client.LingerState = new LingerOption(true, 0); // close sends RST
        _client.Close();
        await Assert.ThrowsAsync<SocketException>(async () =>
        {
            while (true)
            {
                ReadResult result = await waiting.AsTask().WaitAsync(Patience);
                if (result.IsCompleted) throw new Xunit.Sdk.XunitException("FIN, not a reset");
                _input.AdvanceTo(result.Buffer.End);
                waiting = _input.ReadAsync();
            }
        });
        Assert.False(_input.HoldsBuffer); // a failed receive keeps no buffer
    }

    [Fact]
    public void ReadWithATokenIsRefused()
    {
        using var cts = new CancellationTokenSource();
        Assert.Throws<NotSupportedException>(() => { _ = _input.ReadAsync(cts.Token); });
    }

    [Fact]
    public async Task FlushSendsEverythingWrittenAndGivesTheBufferBack()
    {
        // 100 KiB written before one flush: more than the first buffer, which grows.
        byte[] frame = Encoding.UTF8.GetBytes("MSG #café João 1 2026-12-02T00:00:00Z :olá 漢字 👍\n");
        int frames = 100 * 1024 / frame.Length + 1;
        for (int i = 0; i < frames; i++) _output.Write(frame);
        Assert.Equal(frames * frame.Length, _output.UnflushedBytes);

        Task<byte[]> reading = ReadExactlyAsync(_client, frames * frame.Length);
        FlushResult flushed = await _output.FlushAsync().AsTask().WaitAsync(Patience);
        Assert.False(flushed.IsCanceled);
        Assert.Equal(0, _output.UnflushedBytes);
        Assert.False(_output.HoldsBuffer);
        byte[] received = await reading.WaitAsync(Patience);
        for (int i = 0; i < frames; i++) Assert.True(received.AsSpan(i * frame.Length, frame.Length).SequenceEqual(frame));
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int length)
    {
        var bytes = new byte[length];
        for (int at = 0; at < length;)
        {
            int n = await socket.ReceiveAsync(bytes.AsMemory(at));
            if (n == 0) throw new EndOfStreamException($"{at} of {length} bytes");
            at += n;
        }
        return bytes;
    }

    /// <summary>Writes and flushes 64 KiB at a time until a flush waits: the peer reads nothing.</summary>
    private async Task<ValueTask<FlushResult>> FillUntilAFlushWaitsAsync()
    {
        var chunk = new byte[64 * 1024];
        for (int i = 0; i < 4096; i++) // 256 MiB: far past any socket buffer
        {
            _output.Write(chunk);
            ValueTask<FlushResult> flush = _output.FlushAsync();
            if (!flush.IsCompleted) return flush;
            await flush;
        }
        throw new Xunit.Sdk.XunitException("no flush waited, though the peer read nothing");
    }

    [Fact]
    public async Task FlushToAPeerThatReadsNothingWaitsUntilCancelPendingFlushDropsIt()
    {
        ValueTask<FlushResult> waiting = await FillUntilAFlushWaitsAsync();
        Assert.True(_output.HoldsBuffer);
        _output.CancelPendingFlush();
        FlushResult result = await waiting.AsTask().WaitAsync(Patience);
        Assert.True(result.IsCanceled);
        Assert.Equal(0, _output.UnflushedBytes);
        Assert.False(_output.HoldsBuffer);
    }

    [Fact]
    public async Task CompletingWhileAFlushWaitsLeavesTheBufferToTheFlush()
    {
        ValueTask<FlushResult> waiting = await FillUntilAFlushWaitsAsync();
        _output.Complete();
        _output.Complete(); // once is enough
        Assert.True(_output.HoldsBuffer); // the waiting send still uses it
        _output.CancelPendingFlush();
        Assert.True((await waiting.AsTask().WaitAsync(Patience)).IsCanceled);
        Assert.False(_output.HoldsBuffer);
        Assert.Throws<ObjectDisposedException>(() => _output.GetSpan());
    }

    [Fact]
    public async Task FlushWaitingOnATokenThrowsWhenTheTokenIsCancelled()
    {
        var chunk = new byte[64 * 1024];
        using var cts = new CancellationTokenSource();
        ValueTask<FlushResult> waiting = default;
        for (int i = 0; i < 4096 && (i == 0 || waiting.IsCompleted); i++)
        {
            if (i > 0) await waiting;
            _output.Write(chunk);
            waiting = _output.FlushAsync(cts.Token);
        }
        Assert.False(waiting.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.AsTask().WaitAsync(Patience));
        Assert.False(_output.HoldsBuffer);
    }

    [Fact]
    public async Task CancelBeforeAFlushCancelsThatFlushOnly()
    {
        _output.Write("PING 1\n"u8);
        _output.CancelPendingFlush();
        Assert.True((await _output.FlushAsync()).IsCanceled);
        _output.Write("PING 2\n"u8);
        Assert.False((await _output.FlushAsync()).IsCanceled);
        Assert.Equal("PING 2\n", Encoding.UTF8.GetString(await ReadExactlyAsync(_client, 7)));
    }

    [Fact]
    public async Task FlushAfterThePeerResetFails()
    {
        _client.LingerState = new LingerOption(true, 0);
        _client.Close();
        await Assert.ThrowsAsync<SocketException>(async () =>
        {
            for (int i = 0; i < 1000; i++) // the first sends may still be taken before the reset is seen
            {
                _output.Write(new byte[4096]);
                await _output.FlushAsync().AsTask().WaitAsync(Patience);
            }
        });
    }
}
