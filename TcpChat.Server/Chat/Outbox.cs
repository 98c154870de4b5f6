using System.Threading.Tasks.Sources;

namespace TcpChat.Server.Chat;

/// <summary>
/// A connection's queue of encoded frames, bounded in bytes. Many producers enqueue (room broadcasts, private
/// messages, the session itself); the connection's single writer loop drains it. Past the bound, enqueue fails and
/// the caller closes the connection as a slow consumer: the room and the sender never wait for a slow reader.
/// A frame may hold its place in the queue before it may be written (<see cref="Outgoing.Later"/>): a message until it
/// is stored, a history page until it is read. The writer loop waits there, so the order of the queue is kept.
/// </summary>
/// <remarks>
/// Why not a <c>Channel&lt;T&gt;</c>: an unbounded channel holds a 32-slot segment and two operation objects from the
/// start, about 1.8 KB per connection, which was the largest single cost of an idle connection (docs/benchmarks.md).
/// This queue is two small arrays, swapped: producers append to one under a short lock, the writer takes the whole
/// batch at once (one lock per batch, not per frame) and hands back the other. The arrays keep the size a busy
/// connection's batches need; the server's sweep calls <see cref="TrimIfIdle"/>, which shrinks them to at most
/// <see cref="IdleEntries"/> slots once a connection has had nothing to write for a whole sweep period.
/// </remarks>
/// <param name="budget">The server's total of all outboxes, charged and released with this one's; null in unit tests.</param>
internal sealed class Outbox(int maxBytes, OutboxBudget? budget = null) : IValueTaskSource
{
    /// <summary>What a history page counts while it waits to be read; the page's own bytes count once it is.</summary>
    public const int PendingPageBytes = 256;

    /// <summary>Slots an array may keep while the connection is idle; <see cref="TrimIfIdle"/> drops bigger ones.</summary>
    public const int IdleEntries = 4;

    private readonly Lock _gate = new();
    private Outgoing[] _queue = []; // appended to by producers, under _gate
    private int _count;
    private Outgoing[] _spare = []; // the writer's: the array the next TakeAll puts in _queue's place
    private bool _completed;
    private bool _writerWaiting; // under _gate: the writer is parked on _signal and must be woken once
    private bool _busy; // under _gate: a frame was queued since the last TrimIfIdle
    private ManualResetValueTaskSourceCore<bool> _signal = new() { RunContinuationsAsynchronously = true };
    private long _bytes;

    /// <summary>Bytes queued and not yet handed to the socket.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    public enum Result { Queued, Full, Closed }

    public Result TryEnqueue(ReadOnlyMemory<byte> frame) => TryEnqueue(new Outgoing(frame, frame.Length, null, false));

    public Result TryEnqueue(in Outgoing item) => TryEnqueue(item, deferWake: false, out _);

    /// <summary>
    /// Queues <paramref name="item"/>. With <paramref name="deferWake"/>, a parked writer is left parked and
    /// <paramref name="parked"/> says so: the caller (a reader loop, <see cref="ReaderFlush"/>) must then see to it with
    /// <see cref="ClaimOrWake"/>.
    /// </summary>
    public Result TryEnqueue(in Outgoing item, bool deferWake, out bool parked)
    {
        parked = false;
        if (!TryCharge(item.Charged)) return Result.Full;
        bool wake;
        lock (_gate)
        {
            if (_completed)
            {
                Interlocked.Add(ref _bytes, -item.Charged);
                budget?.Release(item.Charged);
                return Result.Closed;
            }
            if (_count == _queue.Length) Array.Resize(ref _queue, Math.Max(4, _count * 2));
            _queue[_count++] = item;
            _busy = true;
            wake = _writerWaiting && !deferWake;
            parked = _writerWaiting && deferWake;
            if (wake) _writerWaiting = false;
        }
        // Outside the lock; the writer's continuation runs on the thread pool, never on the producer's thread (which
        // may hold a room's lock).
        if (wake) _signal.SetResult(true);
        return Result.Queued;
    }

    /// <summary>Counts <paramref name="bytes"/> more against the bound; false (and nothing counted) past it.</summary>
    public bool TryCharge(int bytes)
    {
        if (Interlocked.Add(ref _bytes, bytes) <= maxBytes)
        {
            budget?.Charge(bytes);
            return true;
        }
        Interlocked.Add(ref _bytes, -bytes);
        return false;
    }

    /// <summary>
    /// The writer loop's wait: completes when frames are queued or the outbox is completed. Only the writer calls it,
    /// and never twice at once.
    /// </summary>
    public ValueTask WaitAsync()
    {
        lock (_gate)
        {
            if (_count > 0 || _completed) return ValueTask.CompletedTask;
            _signal.Reset();
            _writerWaiting = true;
            return new ValueTask(this, _signal.Version);
        }
    }

    /// <summary>
    /// From the sweep: when nothing was queued since the last call and the writer is parked (so neither array is in use),
    /// lets go of arrays a burst grew. A busy connection keeps its arrays: regrowing them for every batch would cost more.
    /// </summary>
    public void TrimIfIdle()
    {
        lock (_gate)
        {
            bool idle = !_busy && _writerWaiting && _count == 0;
            _busy = false;
            if (!idle) return;
            if (_queue.Length > IdleEntries) _queue = [];
            if (_spare.Length > IdleEntries) _spare = [];
        }
    }

    /// <summary>The writer loop takes every queued frame at once; it gives the batch back with <see cref="Return"/>.</summary>
    public Batch TakeAll()
    {
        lock (_gate) return TakeAllLocked();
    }

    private Batch TakeAllLocked()
    {
        var batch = new Batch(_queue, _count);
        _queue = _spare;
        _spare = [];
        _count = 0;
        return batch;
    }

    /// <summary>What <see cref="ClaimOrWake"/> did.</summary>
    public enum Claim
    {
        /// <summary>Nothing left to do: the writer loop is running (it will take the frames) or was woken now.</summary>
        None,
        /// <summary>The caller is the writer now, of the batch it was given: it writes it, then calls <see cref="Release"/>.</summary>
        Claimed,
        /// <summary>The writer is still parked: a frame is waiting for its <see cref="Outgoing.Later"/>. Call again once it is done.</summary>
        Waiting,
    }

    /// <summary>
    /// For frames queued with the wake deferred: when the writer loop is parked, either take its place (the caller writes
    /// the whole queue on its own thread, with no hand-off to the thread pool), or wake it as <see cref="TryEnqueue(in Outgoing)"/>
    /// would have. Taking its place is atomic with taking the queue, under the lock every producer takes: while claimed,
    /// producers see no parked writer and only append, and <see cref="Release"/> hands the loop back. Only a queue of at
    /// most <paramref name="maxBytes"/> whose frames are all ready is claimed (a bigger one is the loop's to write in chunks,
    /// under the write deadline); with <paramref name="mayWait"/>, one with a frame not ready is left parked.
    /// </summary>
    public Claim ClaimOrWake(bool mayClaim, bool mayWait, long maxBytes, out Batch batch)
    {
        batch = default;
        lock (_gate)
        {
            if (!_writerWaiting || (_count == 0 && !_completed)) return Claim.None;
            if (mayClaim && !_completed && Volatile.Read(ref _bytes) <= maxBytes)
            {
                bool ready = true;
                for (int i = 0; i < _count && ready; i++) ready = _queue[i].Later is null or { IsCompletedSuccessfully: true }; // a failed one is the loop's to deal with
                if (ready)
                {
                    _writerWaiting = false;
                    batch = TakeAllLocked();
                    return Claim.Claimed;
                }
                if (mayWait) return Claim.Waiting;
            }
            _writerWaiting = false;
        }
        _signal.SetResult(true);
        return Claim.None;
    }

    /// <summary>
    /// Ends a <see cref="Claim.Claimed"/>: the writer loop goes back to waiting, unless frames came meanwhile, the outbox
    /// was completed, or <paramref name="wake"/> (the claimer hands it a flush to finish): then it is woken.
    /// </summary>
    public void Release(bool wake)
    {
        lock (_gate)
        {
            if (!wake && _count == 0 && !_completed)
            {
                _writerWaiting = true; // the loop never stopped waiting on _signal: it is parked again, as it was
                return;
            }
        }
        _signal.SetResult(true);
    }

    /// <summary>A batch written: its slots are cleared (they held frames) and its array is reused.</summary>
    public void Return(Batch batch)
    {
        Array.Clear(batch.Items, 0, batch.Count);
        _spare = batch.Items;
    }

    /// <summary>
    /// Closes the outbox to new frames. The writer loop writes what is queued (or drops it, for a slow consumer whose
    /// backlog would never drain), then <see cref="LastFrames"/>, then ends.
    /// </summary>
    public void Complete(ReadOnlyMemory<byte> lastFrames, bool dropBacklog)
    {
        bool wake;
        lock (_gate)
        {
            if (_completed) return;
            LastFrames = lastFrames;
            DropBacklog = dropBacklog;
            _completed = true;
            wake = _writerWaiting;
            _writerWaiting = false;
        }
        if (wake) _signal.SetResult(true);
    }

    public ReadOnlyMemory<byte> LastFrames { get; private set; }

    public bool DropBacklog { get; private set; }

    /// <summary>Called by the writer loop for the frames it took (once per batch: the count is shared with producers).</summary>
    public void Taken(long length)
    {
        Interlocked.Add(ref _bytes, -length);
        budget?.Release(length);
    }

    /// <summary>
    /// Once the writer loop has ended: what it never took (it stopped at a reset, or was cut mid-flush) is given back to
    /// the budget, so that connections that are gone do not count against it.
    /// </summary>
    public void ReleaseLeftovers()
    {
        long left = Interlocked.Exchange(ref _bytes, 0);
        budget?.Release(left);
    }

    void IValueTaskSource.GetResult(short token) => _signal.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _signal.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _signal.OnCompleted(continuation, state, token, flags);

    /// <summary>Frames taken from the outbox at once: the first <see cref="Count"/> slots of <see cref="Items"/>.</summary>
    public readonly record struct Batch(Outgoing[] Items, int Count);
}

/// <summary>
/// One entry of an <see cref="Outbox"/>: bytes to write, or bytes to write once <see cref="Later"/> completes.
/// A message waiting to be stored has its frame and <see cref="Later"/> completes with the same frame once it is stored
/// (empty: it could not be, and is not sent). A history page has no frame; <see cref="Later"/> completes with the page,
/// whose bytes were charged to the outbox when it was made (<see cref="PageCharged"/>).
/// </summary>
internal readonly record struct Outgoing(ReadOnlyMemory<byte> Frame, int Charged, Task<ReadOnlyMemory<byte>>? Later, bool PageCharged);
