using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;
using HistoryOptions = TcpChat.Server.History.HistoryOptions;

namespace TcpChat.Server.Cluster;

/// <summary>
/// The NATS JetStream engine, as this node sees it: one connection, the stream <see cref="Subjects.Stream"/> (the
/// order of every room and conversation, and their history), and the key-value buckets (nicks, room members, node
/// heartbeats, accounts). Every call either completes on the engine or throws <see cref="ClusterUnavailableException"/>:
/// nothing is queued while the engine is away.
/// </summary>
internal sealed class ClusterEngine(ClusterOptions options, HistoryOptions history, ILogger log) : IAsyncDisposable
{
    private NatsConnection? _connection;
    private NatsJSContext? _js;
    private INatsJSStream? _stream;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..12];
    private long _published;
    private long _pending;
    private long _errors;
    private string _lastError = "none";

    public INatsKVStore Nicks { get; private set; } = null!;
    public INatsKVStore Members { get; private set; } = null!;
    public INatsKVStore Nodes { get; private set; } = null!;
    public INatsKVStore Accounts { get; private set; } = null!;

    public bool Connected => _connection?.ConnectionState == NatsConnectionState.Open;

    /// <summary>Publishes sent and not acknowledged yet.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    public long Errors => Interlocked.Read(ref _errors);

    public string LastError => Volatile.Read(ref _lastError);

    /// <summary>Raised (on a library thread) when the connection to the engine drops or comes back.</summary>
    public event Action<bool>? ConnectionChanged;

    /// <summary>Connects and makes sure the stream and the buckets exist with this node's settings.</summary>
    public async Task StartAsync(CancellationToken cancel)
    {
        _connection = new NatsConnection(new NatsOpts
        {
            Url = string.Join(',', options.Servers),
            Name = "tcpchat-" + options.NodeName,
            MaxReconnectRetry = -1, // the engine is the store: keep trying for as long as the node runs
            ReconnectWaitMin = TimeSpan.FromMilliseconds(200),
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        });
        _connection.ConnectionDisconnected += (_, _) => { Failed("disconnected from the engine"); ConnectionChanged?.Invoke(false); return ValueTask.CompletedTask; };
        _connection.ConnectionOpened += (_, _) => { ConnectionChanged?.Invoke(true); return ValueTask.CompletedTask; };
        await _connection.ConnectAsync();
        _js = new NatsJSContext(_connection);
        var config = new StreamConfig(Subjects.Stream, [Subjects.All])
        {
            Storage = StreamConfigStorage.File,
            NumReplicas = options.Replicas,
            MaxAge = TimeSpan.FromDays(history.MaxAgeDays),
            MaxMsgsPerSubject = history.MaxPerTarget,
            AllowDirect = true,
        };
        _stream = await _js.CreateOrUpdateStreamAsync(config, cancel);
        var kv = new NatsKVContext(_js);
        Nicks = await Bucket(kv, Subjects.NicksBucket, cancel);
        Members = await Bucket(kv, Subjects.MembersBucket, cancel);
        Nodes = await Bucket(kv, Subjects.NodesBucket, cancel);
        Accounts = await Bucket(kv, Subjects.AccountsBucket, cancel);
        log.LogInformation("Cluster node {Node} on {Servers}: stream {Stream}, {Replicas} replica(s)",
            options.NodeName, options.Nats, Subjects.Stream, options.Replicas);
    }

    private ValueTask<INatsKVStore> Bucket(NatsKVContext kv, string name, CancellationToken cancel) =>
        kv.CreateOrUpdateStoreAsync(new NatsKVConfig(name) { NumberOfReplicas = options.Replicas, History = 1, Storage = NatsKVStorageType.File }, cancel);

    public NatsJSContext JetStream => _js ?? throw new InvalidOperationException("not started");

    /// <summary>
    /// Stores an event; returns its stream sequence once the engine acknowledged it (stored on a quorum). Throws
    /// <see cref="ClusterUnavailableException"/> when it was not sent at all (the engine not connected, or it answered
    /// no), or when it was sent and no answer came within <see cref="ClusterOptions.PublishTimeoutSeconds"/>: then it
    /// may still be stored (<see cref="ClusterUnavailableException.Unconfirmed"/>).
    /// </summary>
    /// <remarks>
    /// A publish that gets no answer (the stream's leader died with it, an election is under way) is sent again with the
    /// same message id until the engine answers: the engine stores an id once, so the answer that finally comes, "stored"
    /// or "duplicate", is certain. That turns most of a leader change's refusals into late deliveries.
    /// </remarks>
    public Task<ulong> PublishAsync(string subject, ClusterEvent message) =>
        PublishAsync(subject, message.Encode(), $"{options.NodeName}-{_runId}-{Interlocked.Increment(ref _published)}");

    /// <summary><see cref="PublishAsync(string, ClusterEvent)"/> with its message id given (tests send one twice).</summary>
    internal async Task<ulong> PublishAsync(string subject, byte[] data, string messageId)
    {
        // A node moving to another engine server (its own died) is back within a reconnect: worth waiting for.
        for (long until = Environment.TickCount64 + ReconnectGraceMs; !Connected && Environment.TickCount64 < until; )
            await Task.Delay(50);
        if (!Connected) throw Unavailable("the cluster engine is not connected");
        Interlocked.Increment(ref _pending);
        try
        {
            var opts = new NatsJSPubOpts { MsgId = messageId };
            long deadline = Environment.TickCount64 + (long)(options.PublishTimeoutSeconds * 1000);
            bool sent = false;
            Exception? last = null;
            for (long left; (left = deadline - Environment.TickCount64) > 0; )
            {
                if (!Connected)
                {
                    if (!sent) break; // never given to the engine: "not sent"
                    // Nothing is sent while the connection is down (the library would hold it until the reconnect).
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(left, 100)));
                    continue;
                }
                using var attempt = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Min(left, PublishAttemptMs)));
                try
                {
                    sent = true;
                    var ack = await JetStream.PublishAsync(subject, data, opts: opts, cancellationToken: attempt.Token);
                    // "Duplicate": an earlier try of this message was stored after all (its answer was lost, or came
                    // after the try's wait), and the engine gives that one's sequence. Taken for a failure, it was sent
                    // again and again for PublishTimeoutSeconds, holding up its sender's next messages.
                    if (ack.Error is null && ack.Duplicate) return ack.Seq;
                    ack.EnsureSuccess();
                    return ack.Seq;
                }
                catch (NatsJSApiException e) when (e.Error.Code != 503)
                {
                    throw Unavailable($"the cluster engine refused it ({e.Error.Description})", e); // an answer: not stored
                }
                catch (Exception e) when (e is NatsException or OperationCanceledException or TimeoutException)
                {
                    last = e; // no answer, or no stream server to answer: send it again
                }
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(deadline - Environment.TickCount64, 0, 200)));
            }
            if (!sent) throw Unavailable("the cluster engine is not connected");
            throw Unavailable(FormattableString.Invariant(
                $"the cluster engine did not answer in {options.PublishTimeoutSeconds} s ({last?.Message ?? "disconnected"})"), last, unconfirmed: true);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <summary>How long a publish waits for a lost connection to come back before it is refused ("not sent").</summary>
    private const int ReconnectGraceMs = 2000;

    /// <summary>
    /// How long one try of a publish waits for its answer before it is sent again. An answer takes 0.2-0.7 ms here (p99
    /// about 2 ms, docs/benchmarks-cluster.md); one with no answer after this went to a leader that is gone. A session's
    /// messages are published one after another, so after an election each waited up to this long before its next try:
    /// 2 s made chat resume up to 2 s after the election. Sending again costs the engine a duplicate check.
    /// </summary>
    private const int PublishAttemptMs = 500;

    /// <summary>
    /// The sequence of the last event the stream holds, as its leader says. A short wait: while the stream has no leader
    /// nobody answers, and the consumer's watchdog wants the first answer after an election, not one 5 s later.
    /// </summary>
    public Task<ulong> LastSequenceAsync() =>
        Call(async c =>
        {
            await _stream!.RefreshAsync(c);
            return _stream.Info.State.LastSeq;
        }, TimeSpan.FromSeconds(1));

    /// <summary>Runs a bucket operation, turning the library's failures into <see cref="ClusterUnavailableException"/>.</summary>
    public async Task<T> Call<T>(Func<CancellationToken, ValueTask<T>> call, TimeSpan? wait = null)
    {
        if (!Connected) throw Unavailable("the cluster engine is not connected");
        try
        {
            // Bucket operations are not sent again: a short wait, so that the heartbeat and NICK do not hang on an election.
            using var timeout = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(Math.Min(options.PublishTimeoutSeconds, 5)));
            return await call(timeout.Token);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException or TimeoutException)
        {
            throw Unavailable($"the cluster engine failed ({e.Message})", e);
        }
    }

    public Task Call(Func<CancellationToken, ValueTask> call) =>
        Call<bool>(async c =>
        {
            await call(c);
            return true;
        });

    /// <summary>
    /// The newest <paramref name="limit"/> messages on <paramref name="subject"/> with a sequence below
    /// <paramref name="before"/>, oldest first. JetStream reads forwards only, so this scans windows that grow
    /// fourfold backwards from <paramref name="before"/>, each with "next message on this subject" reads.
    /// </summary>
    public async Task<List<(ulong Seq, DateTimeOffset Time, ClusterEvent Event)>> ReadBeforeAsync(string subject, ulong before, int limit)
    {
        var found = new List<(ulong, DateTimeOffset, ClusterEvent)>();
        ulong upper = before;
        ulong window = (ulong)Math.Max(64, limit * 4);
        while (upper > 1 && found.Count < limit)
        {
            ulong start = upper > window ? upper - window : 1;
            var batch = new List<(ulong, DateTimeOffset, ClusterEvent)>();
            ulong next = start;
            while (next < upper)
            {
                var stored = await Call(c => new ValueTask<StoredMessage?>(NextAsync(subject, next, c)));
                if (stored is null || stored.Seq >= upper) break;
                if (ClusterEvent.Decode(stored.Data.Span) is { } e) batch.Add((stored.Seq, stored.Time, e));
                next = stored.Seq + 1;
            }
            found.InsertRange(0, batch);
            upper = start;
            window = window > ulong.MaxValue / 8 ? ulong.MaxValue / 2 : window * 4;
        }
        return found.Count > limit ? found.GetRange(found.Count - limit, limit) : found;
    }

    /// <summary>
    /// The first event stored at or after <paramref name="from"/>, asked of the stream's leader; null when there is none
    /// yet. Needs no consumer, so it works while no consumer can be made (no metadata leader after an election).
    /// </summary>
    public Task<StoredMessage?> NextEventAsync(ulong from) =>
        Call(c => new ValueTask<StoredMessage?>(NextAsync(Subjects.All, from, c)), TimeSpan.FromSeconds(1));

    private async Task<StoredMessage?> NextAsync(string subject, ulong from, CancellationToken cancel)
    {
        try
        {
            var response = await _stream!.GetAsync(new StreamMsgGetRequest { Seq = from, NextBySubj = subject }, cancel);
            return response.Message;
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            return null; // nothing at or after it
        }
    }

    public void Failed(string what)
    {
        Interlocked.Increment(ref _errors);
        Volatile.Write(ref _lastError, $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss}Z {what}");
    }

    private ClusterUnavailableException Unavailable(string message, Exception? inner = null, bool unconfirmed = false)
    {
        Failed(message);
        return new ClusterUnavailableException(message, inner) { Unconfirmed = unconfirmed };
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
