using System.Buffers;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TcpChat.Protocol;

namespace TcpChat.Server.History;

/// <summary>
/// The one loop that owns the <see cref="IMessageStore"/> (group commit). Sessions queue work and never wait: a message
/// to store, a page of history to read, a pruning step. The loop takes everything queued since its last commit,
/// stores the messages of it in one transaction (one sync to disk per batch), then completes each item in order: a
/// stored message's task releases its frame in the outboxes of the members it was queued to; a read runs now, after
/// every message queued before it is stored, so it sees exactly those. The memory store (<c>--no-history</c>) is the
/// exception for messages: they are stored at once, on the sender's thread (<see cref="Append"/>).
/// <para>
/// Retention: at start and every <see cref="HistoryOptions.PruneIntervalSeconds"/>, a prune goes through the same
/// queue, in steps of at most <see cref="PruneRowsPerStep"/> rows so that messages are not held up behind it.
/// </para>
/// </summary>
internal sealed partial class MessageLog : BackgroundService
{
    /// <summary>The most work items (messages, reads) taken into one batch: bounds a transaction and the wait behind it.</summary>
    public const int MaxBatch = 4096;

    /// <summary>Rows one pruning step deletes at most before the loop takes other work.</summary>
    public const int PruneRowsPerStep = 10_000;

    private readonly Channel<Work> _queue = Channel.CreateUnbounded<Work>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly IMessageStore _store;
    private readonly HistoryOptions _options;
    private readonly int _pageBytes;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private Task _loop = Task.CompletedTask;
    private readonly Hosting.FatalFailure _failure;

    // The store is used by the loop, and also by a session creating a room whose counter is not in memory: one at a
    // time. Such a read waits at most for one commit.
    private readonly object _storeGate = new();

    private long LastIdInStore(string counter)
    {
        lock (_storeGate) return _store.LastId(counter);
    }

    private IReadOnlyList<StoredMessage> ReadStore(HistoryQuery query)
    {
        lock (_storeGate) return _store.Read(query.TargetKey, query.BeforeId, query.Limit);
    }

    public MessageLog(IMessageStore store, IOptions<HistoryOptions> options, IOptions<ChatOptions> chat, TimeProvider clock,
        ILogger<MessageLog> log, Hosting.FatalFailure failure)
    {
        _failure = failure;
        _store = store;
        _options = options.Value;
        _pageBytes = chat.Value.OutboxBytes / 2;
        _clock = clock;
        _log = log;
        // Only the private counter is loaded up front; a room's counter is read when the room is next created.
        Ids = new MessageIds(LastIdInStore, store.LastId(MessageIds.Private));
    }

    /// <summary>The id counters, carried on from what the store holds.</summary>
    public MessageIds Ids { get; }

    public HistoryOptions Options => _options;

    /// <summary>History is kept in memory (<c>--no-history</c>, or a cluster node): reading it never waits for a disk.</summary>
    public bool StoresInMemory => _store is MemoryMessageStore;

    /// <summary>Raised on the loop after each complete prune, with the number of messages deleted.</summary>
    public event Action<int>? Pruned;

    /// <summary>
    /// Queues <paramref name="message"/> to be stored. The task completes with <paramref name="frame"/> once it is
    /// stored, or empty when it could not be (the sender is then told <c>ERR STORE_FAILED</c>); it never faults.
    /// </summary>
    public Task<ReadOnlyMemory<byte>> Append(StoredMessage message, ReadOnlyMemory<byte> frame, IHistoryClient sender)
    {
        if (StoresInMemory)
        {
            // In memory (--no-history) storing is a list append: done here, on the sender's thread, under the lock that
            // orders the target's messages, so the frame is ready at once. Through the loop it cost a pool thread woken
            // for the loop and one for every receiver's writer, per message (bench/notes.md, issue 15). Reads still go
            // through the loop; each is bounded by the last id given out when it was asked (ChatHub.SendHistory), so it
            // sees the same messages either way.
            if (Commit([message])) return Task.FromResult(frame);
            sender.SendError(ErrorCode.StoreFailed, "SEND", NotStored);
            return Task.FromResult(ReadOnlyMemory<byte>.Empty);
        }
        var work = new AppendWork(message, frame, sender);
        return _queue.Writer.TryWrite(work) ? work.Done.Task : Task.FromResult(ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>
    /// Queues a read. The task completes with the page, <c>HISTORY &lt;target&gt; &lt;count&gt;</c> and its MSG frames in
    /// one piece, charged to <paramref name="requester"/>'s outbox; it never faults.
    /// </summary>
    public Task<ReadOnlyMemory<byte>> Read(HistoryQuery query, IHistoryClient requester)
    {
        var work = new ReadWork(query, requester);
        return _queue.Writer.TryWrite(work) ? work.Done.Task : Task.FromResult(ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>Prunes by age and by count now; completes with the number of messages deleted.</summary>
    public Task<int> PruneAsync()
    {
        var work = new PruneWork();
        return _queue.Writer.TryWrite(work) ? work.Done.Task : Task.FromResult(0);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _log.LogInformation("Message history in {Store}", _store.Description);
        _loop = Task.Run(RunOrStopServerAsync, CancellationToken.None);
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Retention: prune at start, then every interval.</summary>
    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var period = TimeSpan.FromSeconds(_options.PruneIntervalSeconds);
        try
        {
            while (true)
            {
                await PruneAsync().WaitAsync(stopping);
                await Task.Delay(period, _clock, stopping);
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) { _failure.Stop("history retention", e); }
    }

    /// <summary>Stopped after the listener (registered before it): stores and answers what is queued, then ends.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        _queue.Writer.TryComplete();
        try { await _loop.WaitAsync(cancellationToken); }
        catch (OperationCanceledException) { _log.LogWarning("Message history: stopped before the queue was drained"); }
    }

    /// <summary>
    /// The loop must not die quietly: every message sent after it would wait for ever to be stored. A failure that
    /// escapes it (a store's own errors are caught per batch: STORE_FAILED) stops the server, which exits 1.
    /// </summary>
    private async Task RunOrStopServerAsync()
    {
        try { await RunAsync(); }
        catch (Exception e) { _failure.Stop("the history writer", e); }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Work>();
        var messages = new List<StoredMessage>();
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && reader.TryRead(out Work? work))
            {
                batch.Add(work);
                if (work is AppendWork append) messages.Add(append.Message);
            }
            bool stored = Commit(messages);
            foreach (var work in batch) Finish(work, stored);
            batch.Clear();
            messages.Clear();
        }
    }

    private const string NotStored = "the message could not be stored, so it was not sent";

    private bool Commit(IReadOnlyList<StoredMessage> messages)
    {
        if (messages.Count == 0) return true;
        try
        {
            lock (_storeGate) _store.Append(messages);
            Ids.Committed(messages);
            return true;
        }
        catch (Exception e)
        {
            _log.LogError(e, "Could not store {Count} messages in {Store}; they are not delivered", messages.Count, _store.Description);
            return false;
        }
    }

    private void Finish(Work work, bool stored)
    {
        switch (work)
        {
            case AppendWork append:
                append.Done.TrySetResult(stored ? append.Frame : ReadOnlyMemory<byte>.Empty);
                if (!stored) append.Sender.SendError(ErrorCode.StoreFailed, "SEND", NotStored);
                break;
            case ReadWork read:
                read.Done.TrySetResult(Answer(read));
                break;
            case PruneWork prune:
                Prune(prune);
                break;
        }
    }

    private ReadOnlyMemory<byte> Answer(ReadWork read)
    {
        ReadOnlyMemory<byte> page;
        try
        {
            page = Page(read.Query);
        }
        catch (Exception e)
        {
            _log.LogError(e, "Could not read history of {Target} from {Store}", read.Query.TargetKey, _store.Description);
            page = FrameWriter.Encode(w => FrameWriter.WriteError(w, ErrorCode.StoreFailed, "HISTORY", "history could not be read"));
        }
        return read.Requester.TryChargePage(page.Length) ? page : ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>
    /// <c>HISTORY &lt;target&gt; &lt;count&gt;</c> then count MSG frames, oldest first: the newest messages asked for, as many
    /// as fit in half an outbox (at least one), so a page of long messages cannot make its reader a slow consumer.
    /// </summary>
    private ReadOnlyMemory<byte> Page(HistoryQuery query)
    {
        IReadOnlyList<StoredMessage> messages = query.BeforeId <= 1 ? [] : ReadStore(query);
        var frames = new byte[messages.Count][];
        int first = messages.Count, total = 0;
        for (int i = messages.Count - 1; i >= 0; i--)
        {
            var m = messages[i];
            byte[] frame = MessageFrame.Encode(query.RoomName ?? m.Target, m.Sender, m.Id, m.UnixMs, m.Text);
            if (first < messages.Count && total + frame.Length > _pageBytes) break;
            frames[i] = frame;
            total += frame.Length;
            first = i;
        }
        var output = new ArrayBufferWriter<byte>(total + 64);
        FrameWriter.Write(output, Verb.History, query.Header, (messages.Count - first).ToString(CultureInfo.InvariantCulture));
        for (int i = first; i < messages.Count; i++) output.Write(frames[i]);
        return output.WrittenMemory;
    }

    private void Prune(PruneWork prune)
    {
        try
        {
            long cutoff = _clock.GetUtcNow().AddDays(-_options.MaxAgeDays).ToUnixTimeMilliseconds();
            int deleted;
            lock (_storeGate) deleted = _store.Prune(cutoff, _options.MaxPerTarget, PruneRowsPerStep);
            prune.Deleted += deleted;
            if (deleted >= PruneRowsPerStep && _queue.Writer.TryWrite(prune)) return; // more to do, after what waits
        }
        catch (Exception e)
        {
            _log.LogError(e, "Pruning history in {Store} failed", _store.Description);
        }
        if (prune.Deleted > 0) _log.LogInformation("Pruned {Count} messages from history", prune.Deleted);
        prune.Done.TrySetResult(prune.Deleted);
        Pruned?.Invoke(prune.Deleted);
    }

    public override void Dispose()
    {
        _queue.Writer.TryComplete();
        base.Dispose();
    }

    private abstract class Work;

    private sealed class AppendWork(StoredMessage message, ReadOnlyMemory<byte> frame, IHistoryClient sender) : Work
    {
        public StoredMessage Message { get; } = message;
        public ReadOnlyMemory<byte> Frame { get; } = frame;
        public IHistoryClient Sender { get; } = sender;
        public TaskCompletionSource<ReadOnlyMemory<byte>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class ReadWork(HistoryQuery query, IHistoryClient requester) : Work
    {
        public HistoryQuery Query { get; } = query;
        public IHistoryClient Requester { get; } = requester;
        public TaskCompletionSource<ReadOnlyMemory<byte>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class PruneWork : Work
    {
        public int Deleted { get; set; }
        public TaskCompletionSource<int> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
