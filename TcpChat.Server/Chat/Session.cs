using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TcpChat.Protocol;
using TcpChat.Server.History;
using TcpChat.Server.Security;
using TcpChat.Server.Transport;

namespace TcpChat.Server.Chat;

/// <summary>
/// One connection. <see cref="RunAsync"/> is its whole lifetime: read and handle frames until the client leaves or
/// the server closes it, then leave every room and tell the others. Writing is done by one writer loop that drains
/// the <see cref="Outbox"/> and flushes many frames at once; anyone may <see cref="Send(ReadOnlyMemory{byte})"/>.
/// Its bytes come from a <see cref="ChatConnection"/>: TCP, TLS and WebSocket are the same to it.
/// </summary>
internal sealed class Session : IHistoryClient
{
    private static long _nextId;

    private readonly ChatConnection _connection;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Outbox _outbox;
    private readonly ChatHub _hub;
    private readonly ChatOptions _options;
    private readonly ILogger _log;
    private readonly FrameParser _parser;
    private LazyCancellation _abort; // cut: the writer loop stops waiting for pending frames (made only when it waits)
    private long _flushSince; // when the writer loop's flush in progress began (TickCount64); 0: none in progress
    private int _closing;
    private string _quitReason = "connection closed";
    private long _lastHeard;
    private long _unconsumed;
    private long _handledSinceYield; // input bytes handled since the reader loop last waited or yielded
    private long _pingSentAt;
    private int _noted; // 1 while a reader's ReaderFlush list holds this session
    private bool _flushHandedOver; // a writer that took the loop's place (ReaderFlush) left it _handedFlush to finish
    private ValueTask<FlushResult> _handedFlush;

    public Session(ChatConnection connection, ChatHub hub, ChatOptions options, ILogger log)
    {
        _connection = connection;
        _hub = hub;
        _options = options;
        _log = log;
        Id = Interlocked.Increment(ref _nextId);
        Remote = connection.RemoteEndPoint;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        _outbox = new Outbox(options.OutboxBytes, hub.OutboxBudget);
        _parser = new FrameParser(Grammar.ClientToServer, options.MaxLine, options.MaxPayload);
        _lastHeard = Environment.TickCount64;
        Guard = new SessionGuard(this, hub.Guard, _parser, options);
    }

    /// <summary>Input a reader loop handles without giving its thread up (see the reader loop in <see cref="RunAsync"/>).</summary>
    private const int YieldAfterBytes = 64 * 1024;

    /// <summary>The writer loop flushes at least this often, so that the write deadline measures progress, not a whole backlog.</summary>
    public const int FlushChunkBytes = 64 * 1024;

    /// <summary>This connection's defences: registration, limits, flood control, passwords (Security/).</summary>
    public SessionGuard Guard { get; }

    public long Id { get; }

    public IPEndPoint? Remote { get; }

    /// <summary>Null until NICK succeeds. Written only by this session's reader loop.</summary>
    public string? Nick { get; set; }

    /// <summary><see cref="TextRules.Key"/> of <see cref="Nick"/>.</summary>
    public string? NickKey { get; set; }

    /// <summary>The rooms this session is in, by key. Touched only by this session's reader loop.</summary>
    public JoinedRooms Rooms { get; } = new();

    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    public long OutboxBytes => _outbox.Bytes;

    /// <param name="ended">Called last, when everything about the connection is over.</param>
    public async Task RunAsync(Action<Session> ended)
    {
        await Task.Yield(); // the accept loop goes on while this connection starts
        _log.LogInformation("Connected {Remote} (#{Id}, {Kind})", Remote, Id, _connection.Kind);
        Task writer = WriteLoopAsync(); // it runs until its first wait: the outbox is empty
        try
        {
            if (Guard.Admit())
            {
                Send(_hub.Hello);
                // The reader loop, here rather than in a method of its own: an idle connection parks one state
                // machine on ReadAsync, not two (this one waiting for the other). Only awaiters live across its waits:
                // what a read brought is handled by HandleReadAsync, which keeps its own state only when it waits.
                while (!IsClosing)
                {
                    ValueTask<ReadResult> read = _input.ReadAsync();
                    if (!read.IsCompleted) _handledSinceYield = 0; // it waits: the writers the last frames woke get to run
                    else if (_handledSinceYield >= YieldAfterBytes)
                    {
                        // Input keeps coming at once: a busy sender's loop could keep its thread while the writer loops
                        // it woke (queued on that thread) wait, until the receivers' outboxes overflow (seen at 5,400
                        // msg/s to 1,000 receivers). So yield now and then; not after every read, which would cut the
                        // writers' batches short.
                        _handledSinceYield = 0;
                        read = YieldThenAsync(read);
                    }
                    if (!await HandleReadAsync(await read)) break;
                }
            }
        }
        catch (InputRejectedException e)
        {
            // The transport's own limit (a WebSocket message too large): a fatal framing error.
            _hub.Metrics.ProtocolErrors.Add(1);
            Close(e.Code, e.Message, "protocol error");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A reset or abort is a normal way for a connection to end.
        }
        catch (Exception e)
        {
            _log.LogError(e, "Session #{Id} failed", Id);
            Close(ErrorCode.BadFrame, "internal error", "internal error");
        }
        finally
        {
            try
            {
                Close(null, null, _quitReason);
                _hub.Disconnect(this, _quitReason);
                Guard.Dispose();
                bool written = false;
                try { await writer.WaitAsync(TimeSpan.FromSeconds(_options.CloseTimeoutSeconds)); written = true; }
                catch (TimeoutException) { }
                if (written) await _connection.LingerAsync(LingerTime);
                _abort.Cancel();
                _connection.Abort();
                await writer.ContinueWith(_ => { }, TaskScheduler.Default);
                _outbox.ReleaseLeftovers();
                _log.LogInformation("Disconnected {Remote} (#{Id}{Nick}): {Reason}", Remote, Id,
                    Nick is null ? "" : " " + Nick, _quitReason);
            }
            finally
            {
                ended(this);
            }
        }
    }

    /// <summary>How long a closing connection's unread input is read and thrown away (a lingering close).</summary>
    private static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(1);

    /// <summary>Queues an encoded frame. A full outbox closes the session as a slow consumer.</summary>
    public void Send(ReadOnlyMemory<byte> frame) => Enqueue(new Outgoing(frame, frame.Length, null, false));

    /// <summary>Queues a message frame that is written only once <paramref name="stored"/> says it is stored.</summary>
    public void Send(ReadOnlyMemory<byte> frame, Task<ReadOnlyMemory<byte>> stored) =>
        Enqueue(new Outgoing(frame, frame.Length, stored, false));

    /// <summary>Takes the place of a history page now; its frames are written when it has been read.</summary>
    public void SendPage(Task<ReadOnlyMemory<byte>> page) => Enqueue(new Outgoing(default, Outbox.PendingPageBytes, page, true));

    public bool TryChargePage(int bytes)
    {
        if (_outbox.TryCharge(bytes)) return true;
        SlowConsumer();
        return false;
    }

    private void Enqueue(in Outgoing item)
    {
        bool defer = ReaderFlush.Active;
        var result = _outbox.TryEnqueue(item, defer, out bool parked);
        if (result == Outbox.Result.Full) SlowConsumer();
        if (!defer || result != Outbox.Result.Queued) return;
        if (item.Later is { IsCompleted: false } later) ReaderFlush.Pending(later);
        if (parked && Interlocked.Exchange(ref _noted, 1) == 0) ReaderFlush.Note(this);
    }

    /// <summary>
    /// From <see cref="ReaderFlush"/>, on a reader's thread (or a continuation of a message's storing): this session's
    /// writer loop was left parked with frames queued. Writes them here when the loop can be claimed (with
    /// <paramref name="mayClaim"/>), and flushes; the loop is woken instead when it cannot, and is handed the flush when it
    /// does not complete at once (a full socket buffer: then the write deadline is the loop's to keep).
    /// </summary>
    /// <param name="noted">Called for the reader's note: a frame queued from now on is noted again.</param>
    /// <returns>
    /// <see cref="Outbox.Claim.Claimed"/> only when frames were written here: a claimed batch of a session being cut
    /// (its backlog dropped) writes nothing, and is <see cref="Outbox.Claim.None"/> to the caller, who counts writes.
    /// </returns>
    internal Outbox.Claim FlushDeferred(bool mayClaim, bool mayWait, bool noted)
    {
        if (noted) Interlocked.Exchange(ref _noted, 0); // before the claim, which takes the outbox's lock: nothing is missed
        var claim = _outbox.ClaimOrWake(mayClaim, mayWait, FlushChunkBytes, out Outbox.Batch batch);
        if (claim == Outbox.Claim.Claimed && WriteClaimed(batch) == 0) return Outbox.Claim.None;
        return claim;
    }

    /// <summary>Writes a batch whose frames are all ready, as the writer loop would, without waiting.</summary>
    /// <returns>The frames written (none when the session's backlog is dropped).</returns>
    private long WriteClaimed(Outbox.Batch batch)
    {
        ValueTask<FlushResult> flush;
        long frames = 0;
        try
        {
            long bytes = 0, taken = 0;
            for (int i = 0; i < batch.Count; i++)
            {
                Outgoing item = batch.Items[i];
                ReadOnlyMemory<byte> frame = item.Frame;
                if (item.Later is { } later && !_outbox.DropBacklog) frame = later.Result;
                taken += item.Charged + (item.PageCharged ? frame.Length : 0);
                if (_outbox.DropBacklog || frame.IsEmpty) continue;
                _output.Write(frame.Span);
                frames++;
                bytes += frame.Length;
            }
            _outbox.Taken(taken);
            _outbox.Return(batch);
            _hub.Metrics.MessagesOut.Add(frames);
            _hub.Metrics.BytesOut.Add(bytes);
            if (_output.UnflushedBytes == 0)
            {
                _outbox.Release(wake: false);
                return frames;
            }
            Volatile.Write(ref _flushSince, Math.Max(1, Environment.TickCount64));
            flush = _output.FlushAsync();
        }
        catch (Exception e)
        {
            // Whatever it is, the loop must get its place back, and the reader that claimed it must go on with the others:
            // the loop meets the failure where it would have met it itself.
            flush = ValueTask.FromException<FlushResult>(e);
        }
        if (flush.IsCompletedSuccessfully)
        {
            FlushResult result = flush.Result; // read once: a pipe's flush may not be awaited after its result is taken
            if (!result.IsCompleted && !result.IsCanceled)
            {
                Volatile.Write(ref _flushSince, 0);
                _outbox.Release(wake: false);
                return frames;
            }
            flush = new ValueTask<FlushResult>(result);
        }
        // Not done (the socket's buffer is full), or the end (cancelled by a cut, the peer gone): the loop takes it from here.
        _handedFlush = flush;
        _flushHandedOver = true;
        _outbox.Release(wake: true);
        return frames;
    }

    private void SlowConsumer()
    {
        _hub.Metrics.SlowConsumers.Add(1);
        Close(ErrorCode.SlowConsumer, $"outbox passed {_options.OutboxBytes} bytes: reading too slowly",
            "slow consumer", dropBacklog: true);
    }

    /// <summary>
    /// The server's outboxes together passed Chat:OutboxTotalBytes and this connection holds the most: closed as a slow
    /// consumer, its backlog dropped, and a flush in progress cancelled so that the memory comes back now.
    /// </summary>
    public void CutOverBudget(long held)
    {
        if (IsClosing) return;
        Close(ErrorCode.SlowConsumer, FormattableString.Invariant(
                $"the server's outboxes passed {_hub.OutboxBudget.Limit} bytes and this one held {held}: reading too slowly"),
            "slow consumer", dropBacklog: true);
        _output.CancelPendingFlush();
        // Counted once it is closing, so that whoever sees the count sees the connection closing too.
        _hub.Metrics.SlowConsumers.Add(1);
        _hub.Metrics.BudgetCuts.Add(1);
    }

    public void SendError(ErrorCode code, string verb, string text) =>
        Send(FrameWriter.Encode(w => FrameWriter.WriteError(w, code, verb, text)));

    /// <summary>
    /// Ends the session, from any thread, once: queue ERR (when <paramref name="code"/> is given) and BYE as the last
    /// frames, stop reading. The reader loop's finally does the rest.
    /// </summary>
    public void Close(ErrorCode? code, string? message, string quitReason, bool dropBacklog = false,
        string verb = ProtocolError.NoVerb)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0) return;
        _quitReason = quitReason;
        Guard.OnClosing();
        byte[] last = [];
        if (message is not null)
        {
            last = FrameWriter.Encode(w =>
            {
                if (code is { } c) FrameWriter.WriteError(w, c, verb, message);
                FrameWriter.WriteWithText(w, Verb.Bye, [], message);
            });
        }
        _outbox.Complete(last, dropBacklog);
        _input.CancelPendingRead();
    }

    /// <summary>Counts the client as heard until <paramref name="tick"/>: the server is the one not reading until then.</summary>
    public void HeardUntil(long tick) => Volatile.Write(ref _lastHeard, Math.Max(Volatile.Read(ref _lastHeard), tick));

    /// <summary>Called by the hub's sweep: keepalive, the write deadline (Chat:WriteTimeoutSeconds), idle outbox trimming.</summary>
    public void CheckAlive(long now, long pingMs)
    {
        _outbox.TrimIfIdle();
        long flushSince = Volatile.Read(ref _flushSince);
        if (flushSince != 0 && now - flushSince >= (long)(_options.WriteTimeoutSeconds * 1000))
        {
            WriteTimedOut();
            return;
        }
        long silent = now - Volatile.Read(ref _lastHeard);
        if (silent >= 2 * pingMs)
        {
            _hub.Metrics.StaleConnections.Add(1);
            Close(ErrorCode.Timeout, $"no frame for {silent / 1000} seconds", "ping timeout");
        }
        else if (silent >= pingMs && Volatile.Read(ref _pingSentAt) <= Volatile.Read(ref _lastHeard))
        {
            Volatile.Write(ref _pingSentAt, now);
            Send(FrameWriter.Encode(w => FrameWriter.Write(w, Verb.Ping, now.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }
    }

    /// <summary>Writes (or wakes) the sessions this reader's frames queued to (<see cref="ReaderFlush.FlushNoted"/>), and counts what it wrote.</summary>
    private void FlushNoted(bool drained = false)
    {
        int written = ReaderFlush.FlushNoted(drained);
        if (written > 0) _hub.Metrics.ReaderWrites.Add(written);
    }

    /// <summary>Waits for the read once the thread was given up (see the reader loop in <see cref="RunAsync"/>).</summary>
    private static async ValueTask<ReadResult> YieldThenAsync(ValueTask<ReadResult> read)
    {
        await Task.Yield();
        return await read;
    }

    /// <summary>
    /// Handles what a read brought: parse every complete frame, handle it, <c>AdvanceTo(consumed, examined)</c>. False
    /// when the reader loop must end. The frames are handled by <see cref="HandleFramesAsync"/>, which completes at once
    /// unless flood control or a password check makes it wait.
    /// </summary>
    private async ValueTask<bool> HandleReadAsync(ReadResult result)
    {
        if (result.IsCanceled) return false;
        ReadOnlySequence<byte> buffer = result.Buffer;
        if (!buffer.IsEmpty) Volatile.Write(ref _lastHeard, Environment.TickCount64);
        // The buffer starts with what earlier reads left unconsumed: count only what this read brought.
        _hub.Metrics.BytesIn.Add(buffer.Length - _unconsumed);
        var first = Guard.CheckFirstBytes(buffer, result.IsCompleted); // HTTP or TLS on the first line?
        if (first == ForeignProtocol.Verdict.Foreign) return false;
        if (first == ForeignProtocol.Verdict.NeedMoreData)
        {
            _unconsumed = buffer.Length;
            _input.AdvanceTo(buffer.Start, buffer.End);
            return true;
        }
        bool completed = result.IsCompleted; // (no ReadResult nor buffer is kept across the wait below)
        var handled = await HandleFramesAsync(buffer);
        if (!handled.Go) return false;
        _handledSinceYield += buffer.Length - handled.Unconsumed;
        _unconsumed = handled.Unconsumed;
        _input.AdvanceTo(handled.Consumed, handled.Examined);
        return !completed;
    }

    /// <summary>Handles every complete frame of <paramref name="buffer"/>; <c>Go</c> is false when the session must end.</summary>
    private async ValueTask<(bool Go, SequencePosition Consumed, SequencePosition Examined, long Unconsumed)> HandleFramesAsync(
        ReadOnlySequence<byte> buffer)
    {
        SequencePosition consumed = buffer.Start;
        SequencePosition examined = buffer.Start;
        try
        {
            while (!IsClosing)
            {
                ParseStatus status = _parser.TryParse(buffer, out consumed, out examined, out Frame frame, out ProtocolError error);
                if (status == ParseStatus.NeedMoreData) break;
                if (status == ParseStatus.FatalError)
                {
                    _hub.Metrics.ProtocolErrors.Add(1);
                    _log.LogDebug("Protocol error from #{Id}: {Code} {Message}", Id, error.Code, error.Message);
                    Close(error.Code, error.Message, "protocol error", verb: error.Verb);
                    return (false, consumed, examined, 0);
                }
                // Flood control: a refused line costs as much as a frame.
                ValueTask<bool> pace = Guard.PaceAsync(status == ParseStatus.Frame ? SessionGuard.CostOf(frame) : 1);
                if (!pace.IsCompleted) FlushNoted(); // it waits: the others do not wait with it (nor the thread's list)
                if (!await pace) return (false, consumed, examined, 0);
                if (status == ParseStatus.Error)
                {
                    _hub.Metrics.ProtocolErrors.Add(1);
                    SendError(error.Code, error.Verb, error.Message);
                }
                else
                {
                    _hub.Metrics.MessagesIn.Add(1);
                    if (_hub.ReaderWrites) ReaderFlush.Begin();
                    try { _hub.Handle(this, frame); }
                    finally { ReaderFlush.End(); }
                    ValueTask after = Guard.AfterFrameAsync();
                    if (!after.IsCompleted) FlushNoted();
                    await after;
                }
                buffer = buffer.Slice(consumed);
            }
        }
        finally
        {
            FlushNoted(drained: _input is SocketInput { Drained: true }); // the read is handled: write what it queued to others
        }
        return (true, consumed, examined, buffer.Slice(consumed).Length);
    }

    /// <remarks>
    /// Like the reader loop, split in two so that an idle connection, parked on <see cref="Outbox.WaitAsync"/>, holds only
    /// this loop's small state: <see cref="WriteBatchAsync"/> completes at once unless a flush or a message being stored
    /// makes it wait.
    /// </remarks>
    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                await _outbox.WaitAsync();
                if (_flushHandedOver)
                {
                    _flushHandedOver = false;
                    if (await FinishHandedFlushAsync()) return;
                    continue; // woken for the flush alone: frames may or may not be queued
                }
                Outbox.Batch batch = _outbox.TakeAll();
                if (batch.Count == 0) break; // completed, and everything before was written
                if (await WriteBatchAsync(batch)) return;
            }
            if (!_outbox.LastFrames.IsEmpty)
            {
                _output.Write(_outbox.LastFrames.Span);
                if (await FlushAsync()) return;
            }
            _connection.CloseOutput();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer went away or the socket was cut after the close deadline.
        }
    }

    /// <summary>Writes a batch of the outbox and flushes it; true when the writer loop is done.</summary>
    private async ValueTask<bool> WriteBatchAsync(Outbox.Batch batch)
    {
        long frames = 0, bytes = 0, taken = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            Outgoing item = batch.Items[i];
            ReadOnlyMemory<byte> frame = item.Frame;
            if (item.Later is { } later && !_outbox.DropBacklog)
            {
                if (!later.IsCompleted)
                {
                    // Not stored (or read) yet: send what came before it, then wait, keeping the order.
                    _outbox.Taken(taken);
                    taken = 0;
                    if (_output.UnflushedBytes > 0 && await FlushAsync()) return true;
                    await later.WaitAsync(_abort.Token);
                }
                frame = later.Result;
            }
            taken += item.Charged + (item.PageCharged ? frame.Length : 0);
            if (_outbox.DropBacklog || frame.IsEmpty) continue;
            _output.Write(frame.Span);
            frames++;
            bytes += frame.Length;
            if (_output.UnflushedBytes >= FlushChunkBytes)
            {
                _outbox.Taken(taken);
                taken = 0;
                if (await FlushAsync()) return true;
            }
        }
        _outbox.Taken(taken);
        _outbox.Return(batch);
        // Counted once per batch, not per frame: the counters are shared by every connection.
        _hub.Metrics.MessagesOut.Add(frames);
        _hub.Metrics.BytesOut.Add(bytes);
        return _output.UnflushedBytes > 0 && await FlushAsync();
    }

    /// <summary>
    /// Flushes, under the write deadline that the hub's sweep checks (<see cref="CheckAlive"/>). True when the writer
    /// loop is done: the peer is gone, or it took in nothing for that long and was closed as a slow consumer.
    /// </summary>
    private async ValueTask<bool> FlushAsync()
    {
        Volatile.Write(ref _flushSince, Math.Max(1, Environment.TickCount64));
        try
        {
            FlushResult result = await _output.FlushAsync();
            return result.IsCompleted || result.IsCanceled;
        }
        finally
        {
            Volatile.Write(ref _flushSince, 0);
        }
    }

    /// <summary>The flush a claimer of the loop began (<see cref="WriteClaimed"/>), under the write deadline it set.</summary>
    private async ValueTask<bool> FinishHandedFlushAsync()
    {
        ValueTask<FlushResult> flush = _handedFlush;
        _handedFlush = default;
        try
        {
            FlushResult result = await flush;
            return result.IsCompleted || result.IsCanceled;
        }
        finally
        {
            Volatile.Write(ref _flushSince, 0);
        }
    }

    /// <summary>
    /// A flush has not finished within Chat:WriteTimeoutSeconds: the client stopped reading. Closed as a slow consumer;
    /// the flush is cancelled, and what it held is dropped.
    /// </summary>
    private void WriteTimedOut()
    {
        if (IsClosing && _outbox.DropBacklog) return; // already cut
        _hub.Metrics.SlowConsumers.Add(1);
        Guard.Metrics.WriteTimeouts.Add(1);
        Close(ErrorCode.SlowConsumer, FormattableString.Invariant($"a write did not finish in {_options.WriteTimeoutSeconds} seconds: reading too slowly"),
            "slow consumer", dropBacklog: true);
        _output.CancelPendingFlush();
    }
}
