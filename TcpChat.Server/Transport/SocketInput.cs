using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace TcpChat.Server.Transport;

/// <summary>
/// A plain TCP socket's input as a <see cref="PipeReader"/>, holding nothing while the connection is idle but what the
/// socket itself holds: no buffer, no cancellation source, no pending state machine.
/// </summary>
/// <remarks>
/// <para>
/// Why not <c>PipeReader.Create(new NetworkStream(socket))</c>: an idle connection parked on it holds the stream, the
/// reader, its pending read's state machine, a cancellation source and its registration with the socket, and two buffer
/// segments, about 0.9 KB (a heap walk at 10,000 idle connections, bench/notes.md); issue 15 asks for 4 KiB per idle
/// connection in all. This reader is one object: it waits for input with a zero-byte receive (the socket's own cached
/// operation), then takes what is there with one non-blocking receive into a buffer rented for as long as input is
/// unconsumed. Kestrel's socket transport waits the same way.
/// </para>
/// <para>
/// Used by one reader loop (<see cref="ReadAsync"/>, <see cref="AdvanceTo(SequencePosition, SequencePosition)"/>);
/// <see cref="CancelPendingRead"/> may come from any thread. A read cancelled while it waits leaves its zero-byte
/// receive outstanding (it has no buffer, so nothing is lost); the next read waits on that same receive.
/// </para>
/// </remarks>
internal sealed class SocketInput : PipeReader, IValueTaskSource<ReadResult>
{
    /// <summary>What a buffer holds at first; it doubles while one frame needs more (the parser's limits bound it).</summary>
    public const int ReadBytes = 4096;

    private const int Idle = 0, Waiting = 1, Detached = 2; // Detached: a cancelled read's zero-byte receive is still out

    private readonly Socket _socket;
    private readonly Action _onReadable;
    private ManualResetValueTaskSourceCore<ReadResult> _read; // continuations run where the input arrived
    private ValueTaskAwaiter<int> _readable;
    private byte[]? _buffer;
    private int _start, _end; // the unconsumed input: _buffer[_start.._end)
    private bool _examinedAll; // the last AdvanceTo examined all of it: the next read waits for more
    private bool _filled; // the last receive filled the buffer: more may be there already, so try before waiting
    private bool _ended; // the client sent FIN
    private bool _completed;
    private int _state;
    private int _cancelNext;
    private Exception? _failed; // a cancelled read's receive failed (a reset): the next read reports it

    /// <param name="socket">Non-blocking (<see cref="Socket.Blocking"/> false): the receives that take input must not wait.</param>
    public SocketInput(Socket socket)
    {
        if (socket.Blocking) throw new ArgumentException("the socket must be non-blocking", nameof(socket));
        _socket = socket;
        _onReadable = OnReadable;
    }

    /// <summary>True while input is unconsumed: an idle connection holds no buffer.</summary>
    internal bool HoldsBuffer => _buffer is not null;

    /// <summary>
    /// The last receive left room in the buffer: it took everything the socket had then, so the sender is not keeping
    /// this reader busy (see <see cref="Chat.ReaderFlush"/>).
    /// </summary>
    internal bool Drained => !_filled;

    private ReadOnlySequence<byte> Unconsumed =>
        _buffer is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer, _start, _end - _start);

    private ReadResult Result(bool canceled = false) => new(Unconsumed, canceled, _ended);

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.CanBeCanceled)
            throw new NotSupportedException("SocketInput reads are cancelled with CancelPendingRead, not a token");
        ObjectDisposedException.ThrowIf(_completed, this);
        try { return Read(); }
        catch (Exception e) { return ValueTask.FromException<ReadResult>(e); } // a reset, as a pipe reports it
    }

    private ValueTask<ReadResult> Read()
    {
        // (Read first: an atomic exchange on every read would cost more than the rare case it catches.)
        if (Volatile.Read(ref _cancelNext) == 1 && Interlocked.Exchange(ref _cancelNext, 0) == 1) return new(Result(canceled: true));
        if (Volatile.Read(ref _failed) is not null && Interlocked.Exchange(ref _failed, null) is { } failed) throw failed;
        if ((_end > _start && !_examinedAll) || _ended) return new(Result());
        if (_filled && Receive()) return new(Result());
        while (true)
        {
            _read.Reset();
            // A cancelled read's receive is still out: wait on it rather than start a second one.
            if (Interlocked.CompareExchange(ref _state, Waiting, Detached) == Detached || WaitForInput()) return WaitingRead();
            if (Receive()) return new(Result());
            // Woken with nothing to take after all: wait again.
        }
    }

    /// <summary>
    /// Starts a zero-byte receive. True when it waits (<see cref="OnReadable"/> follows); false when it completed at once:
    /// the socket has input or FIN (an error is thrown).
    /// </summary>
    private bool WaitForInput()
    {
        ValueTask<int> wait = _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
        if (wait.IsCompleted)
        {
            wait.GetAwaiter().GetResult(); // throws the socket's error (a reset)
            return false;
        }
        _readable = wait.GetAwaiter();
        Volatile.Write(ref _state, Waiting);
        _readable.UnsafeOnCompleted(_onReadable);
        return true;
    }

    /// <summary>A cancel that came while no read was waiting only left its flag: true when it ends the wait just begun.</summary>
    private bool TakeEarlyCancel()
    {
        if (Volatile.Read(ref _cancelNext) != 1 || Interlocked.CompareExchange(ref _state, Detached, Waiting) != Waiting) return false;
        Interlocked.Exchange(ref _cancelNext, 0);
        return true;
    }

    /// <summary>The read in progress, unless a cancel came just before it began waiting (then it ends now).</summary>
    private ValueTask<ReadResult> WaitingRead() => TakeEarlyCancel() ? new(Result(canceled: true)) : new(this, _read.Version);

    /// <summary>The zero-byte receive completed: the socket has input (or an error, or FIN).</summary>
    private void OnReadable()
    {
        Exception? failed = null;
        try { _readable.GetResult(); } // also gives the socket its cached receive operation back
        catch (Exception e) { failed = e; }
        _readable = default;
        // If nobody waits, a reset seen here is the next read's: the socket reports it only once.
        Volatile.Write(ref _failed, failed);
        while (true)
        {
            // Waiting: a read waits, this completes it. Detached: nobody waits (the read was cancelled), and nothing was
            // taken, so nothing is lost; but a read may wait on this receive again at any moment, hence the loop.
            if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
            {
                Volatile.Write(ref _failed, null); // the waiting read gets it below
                break;
            }
            if (Interlocked.CompareExchange(ref _state, Idle, Detached) == Detached) return;
        }
        try
        {
            if (failed is not null) throw failed;
            while (!Receive())
            {
                // Woken with nothing to take after all: wait again (on this thread's stack only when it does not complete).
                if (!WaitForInput()) continue;
                // This is the socket's thread, not a canceller's: the reader may go on here.
                if (TakeEarlyCancel()) _read.SetResult(Result(canceled: true));
                return;
            }
        }
        catch (Exception e)
        {
            _read.SetException(e);
            return;
        }
        _read.SetResult(Result());
    }

    /// <summary>Takes what the socket has, without waiting; false when it has nothing yet.</summary>
    private bool Receive()
    {
        MakeRoom();
        int n = _socket.Receive(_buffer.AsSpan(_end), SocketFlags.None, out SocketError error);
        if (error == SocketError.WouldBlock)
        {
            _filled = false;
            ReturnIfEmpty();
            return false;
        }
        if (error != SocketError.Success)
        {
            ReturnIfEmpty();
            throw new SocketException((int)error);
        }
        if (n == 0) _ended = true;
        _end += n;
        _filled = _end == _buffer!.Length;
        _examinedAll = false;
        ReturnIfEmpty();
        return true;
    }

    /// <summary>Room after the unconsumed input: moved to the front, or a buffer twice the size when it fills one.</summary>
    private void MakeRoom()
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(ReadBytes);
            return;
        }
        if (_end < _buffer.Length) return;
        int length = _end - _start;
        byte[] target = _start > 0 ? _buffer : ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
        Buffer.BlockCopy(_buffer, _start, target, 0, length);
        if (target != _buffer) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = target;
        _start = 0;
        _end = length;
    }

    private void ReturnIfEmpty()
    {
        if (_buffer is null || _end > _start) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        _start = _end = 0;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_buffer is null) return; // the empty sequence: nothing to move past
        if (consumed.GetObject() != _buffer || examined.GetObject() != _buffer)
            throw new InvalidOperationException("AdvanceTo with a position from another read");
        int at = consumed.GetInteger(), seen = examined.GetInteger();
        if (at < _start || at > _end || seen < at || seen > _end)
            throw new ArgumentOutOfRangeException(nameof(consumed), "AdvanceTo outside the last read's buffer");
        _start = at;
        _examinedAll = seen == _end;
        ReturnIfEmpty();
    }

    public override bool TryRead(out ReadResult result)
    {
        if (Interlocked.Exchange(ref _cancelNext, 0) == 1) { result = Result(canceled: true); return true; }
        if ((_end > _start && !_examinedAll) || _ended || Receive())
        {
            result = Result();
            return true;
        }
        result = default;
        return false;
    }

    public override void CancelPendingRead()
    {
        Volatile.Write(ref _cancelNext, 1);
        if (Interlocked.CompareExchange(ref _state, Detached, Waiting) != Waiting) return; // the next read ends at once
        Interlocked.Exchange(ref _cancelNext, 0);
        // Not on this thread: the caller may hold a lock (a room's, cutting a slow consumer in a broadcast) that the
        // reader loop, ending, would take again. A pipe's cancelled read also ends on another thread.
        ThreadPool.UnsafeQueueUserWorkItem(static input => input._read.SetResult(input.Result(canceled: true)), this, preferLocal: false);
    }

    public override void Complete(Exception? exception = null)
    {
        if (_completed) return;
        _completed = true;
        if (_buffer is not null) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        _start = _end = 0;
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _read.OnCompleted(continuation, state, token, flags);
}
