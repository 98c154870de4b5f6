using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace TcpChat.Server.Transport;

/// <summary>
/// A plain TCP socket's output as a <see cref="PipeWriter"/>: frames are copied into one buffer, rented at the first
/// write and returned when the flush has sent it all, and a flush sends the buffer with as few system calls as the
/// socket takes. An idle connection holds no buffer, and a flush the socket takes at once allocates nothing.
/// </summary>
/// <remarks>
/// <para>
/// A flush first sends without waiting, on the caller's thread (the writer loop, or a reader writing a small room's
/// message itself, <see cref="Chat.ReaderFlush"/>). Only when the socket's buffer is full does it wait, with the
/// socket's asynchronous send and a cancellation source made for that wait: that is the slow consumer's path, which
/// <see cref="CancelPendingFlush"/> (the write deadline, the outbox budget) ends.
/// </para>
/// <para>
/// One segment per flush, as the writer it replaces was measured to need (Session.FlushChunkBytes): the buffer grows
/// only when one frame does not fit in what is left of it.
/// </para>
/// <para>Used by one writer at a time (the outbox's claim says which); <see cref="CancelPendingFlush"/> from any thread.</para>
/// </remarks>
internal sealed class SocketOutput : PipeWriter
{
    private readonly Socket _socket;
    private readonly int _bufferBytes;
    private byte[]? _buffer;
    private int _written;
    private int _cancelNext;
    private CancellationTokenSource? _waiting; // only while a flush waits for the socket
    private bool _completed;

    /// <param name="socket">Non-blocking (<see cref="Socket.Blocking"/> false): a flush sends what the socket takes without waiting.</param>
    /// <param name="bufferBytes">The buffer rented at the first write: a flush's worth.</param>
    public SocketOutput(Socket socket, int bufferBytes)
    {
        if (socket.Blocking) throw new ArgumentException("the socket must be non-blocking", nameof(socket));
        _socket = socket;
        _bufferBytes = bufferBytes;
    }

    /// <summary>True from the first write until the flush has sent it all: an idle connection holds no buffer.</summary>
    internal bool HoldsBuffer => _buffer is not null;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_written);

    public override Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_written);

    public override void Advance(int bytes)
    {
        if (bytes < 0 || _buffer is null || _written + bytes > _buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advance past the span given");
        _written += bytes;
    }

    private byte[] Reserve(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        int need = Math.Max(sizeHint, 1);
        if (_buffer is null) return _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(_bufferBytes, need));
        if (_buffer.Length - _written >= need) return _buffer;
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + need));
        Buffer.BlockCopy(_buffer, 0, bigger, 0, _written);
        ArrayPool<byte>.Shared.Return(_buffer);
        return _buffer = bigger;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _cancelNext) == 1 && Interlocked.Exchange(ref _cancelNext, 0) == 1) return new(Dropped());
        if (_written == 0) return new(default(FlushResult));
        int sent = 0;
        try
        {
            while (sent < _written)
            {
                int n = _socket.Send(_buffer.AsSpan(sent, _written - sent), SocketFlags.None, out SocketError error);
                if (error == SocketError.WouldBlock) return WaitAndSendAsync(sent, cancellationToken, StartWaiting(cancellationToken));
                if (error != SocketError.Success) throw new SocketException((int)error);
                sent += n;
            }
        }
        catch (Exception e)
        {
            return ValueTask.FromException<FlushResult>(e); // the peer went away: as a pipe reports it
        }
        Sent();
        return new(default(FlushResult));
    }

    /// <summary>
    /// The socket's buffer is full: wait for it to take the rest, until it does or the flush is cancelled
    /// (<see cref="CancelPendingFlush"/>: a cancelled result; <paramref name="token"/>: <see cref="OperationCanceledException"/>).
    /// Either way what the flush held is dropped.
    /// </summary>
    private async ValueTask<FlushResult> WaitAndSendAsync(int sent, CancellationToken token, CancellationTokenSource waiting)
    {
        try
        {
            if (Volatile.Read(ref _cancelNext) == 1) waiting.Cancel(); // cancelled before the source was there to cancel
            while (sent < _written)
                sent += await _socket.SendAsync(_buffer.AsMemory(sent, _written - sent), SocketFlags.None, waiting.Token);
        }
        catch (OperationCanceledException) when (waiting.IsCancellationRequested)
        {
            if (token.IsCancellationRequested)
            {
                Sent();
                throw;
            }
            Interlocked.Exchange(ref _cancelNext, 0);
            return Dropped();
        }
        finally
        {
            lock (this)
            {
                _waiting = null;
                if (_completed) Sent(); // completed while this waited: Complete left the buffer to this
            }
            waiting.Dispose();
        }
        Sent();
        return default;
    }

    /// <summary>The flush is about to wait: from here until it ends, <see cref="CancelPendingFlush"/> and <see cref="Complete"/> see it.</summary>
    private CancellationTokenSource StartWaiting(CancellationToken token)
    {
        var waiting = token.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(token) : new CancellationTokenSource();
        lock (this) _waiting = waiting; // this, not a lock object: one field less per connection, and the type is private to the transport
        return waiting;
    }

    /// <summary>A cancelled flush: what it held is dropped (the connection is being cut).</summary>
    private FlushResult Dropped()
    {
        Sent();
        return new FlushResult(isCanceled: true, isCompleted: false);
    }

    /// <summary>The buffer goes back to the pool, once (a waiting flush and <see cref="Complete"/> may both get here).</summary>
    private void Sent()
    {
        _written = 0;
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
    }

    public override void CancelPendingFlush()
    {
        Volatile.Write(ref _cancelNext, 1);
        lock (this) _waiting?.Cancel();
    }

    public override void Complete(Exception? exception = null)
    {
        lock (this)
        {
            if (_completed) return;
            _completed = true;
            if (_waiting is null) Sent(); // a waiting flush returns the buffer itself when it ends
        }
    }
}
