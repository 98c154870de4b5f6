using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TcpChat.Protocol;
using TcpChat.Server.Chat;
using TcpChat.Server.Transport;

namespace TcpChat.Server.Hosting;

/// <summary>
/// Owns the listening sockets (the main port, plain or TLS, and an optional second TLS port): accepts connections and
/// runs a <see cref="Session"/> for each; runs the keepalive sweep; on stop, says BYE to everyone and waits (up to
/// ShutdownSeconds) for their outboxes to drain. Connections that come another way (a WebSocket, Web/) are handed to
/// <see cref="ServeAsync"/> and are held, limited and closed the same.
/// </summary>
internal sealed class ChatListener(ChatHub hub, IOptions<ChatOptions> options, ILoggerFactory loggers, FatalFailure failure)
    : BackgroundService
{
    private readonly ChatOptions _options = options.Value;
    private readonly ILogger _log = loggers.CreateLogger("TcpChat.Server");
    private readonly ILogger _sessionLog = loggers.CreateLogger<Session>();
    private readonly ConcurrentDictionary<Session, Task> _running = new();
    private Action<Session>? _ended; // one delegate for every session (a method group makes a new one each time)
    private readonly MemoryTrimmer _trimmer = new(options.Value.TrimMemoryAfterSeconds, hub.Metrics,
        options.Value.TrimMemoryMaxFramesPerSecond, options.Value.TrimMemoryMaxWaitSeconds);
    private Socket? _socket;
    private Socket? _tlsSocket;
    private X509Certificate2? _certificate;
    private volatile bool _stopping;

    // Every accepted socket holds a slot until it is closed; the limit follows the open-file limit (FitToDescriptors).
    private long _softLimit;
    private volatile bool _shortOfFiles; // an accept failed for want of descriptors: the sweep looks again
    private long _lastCount;
    private static readonly TimeSpan RecountEvery = TimeSpan.FromSeconds(30);

    /// <summary>The sockets this server holds (its own and the web port's), against what the open-file limit allows.</summary>
    public SocketSlots Slots { get; } = new(int.MaxValue);

    /// <summary>True while the accept loop runs: what the systemd watchdog reports on.</summary>
    public bool IsAccepting { get; private set; }

    /// <summary>Where the server listens; known once the host has started (with Port 0, the port picked).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>The second, TLS port, when there is one.</summary>
    public IPEndPoint? TlsEndPoint { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        Bind();
        // Accepting from here: since .NET 10 the host runs all of ExecuteAsync on the thread pool, so a flag set there
        // could still be false when the host says it has started (and /healthz would answer 503).
        IsAccepting = true;
        return base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Opens the listening sockets, once. Called before the host starts (ServerHost.RunAsync), so that a taken port
    /// is one line and exit code 1, not a failed host; a <see cref="SocketException"/> names the port in
    /// <see cref="FailedEndPoint"/>. Then caps connections at what the open-file limit can hold.
    /// </summary>
    public void Bind()
    {
        if (_socket is not null) return;
        if (_options.Tls || _options.TlsPort > 0) _certificate = _options.LoadCertificate();
        _socket = Listen(_options.Port);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _log.LogInformation("Listening on {Endpoint} as {ServerName}{Tls}", LocalEndPoint, _options.ServerName, _options.Tls ? " (TLS)" : "");
        if (_options.TlsPort > 0)
        {
            _tlsSocket = Listen(_options.TlsPort);
            TlsEndPoint = (IPEndPoint)_tlsSocket.LocalEndPoint!;
            _log.LogInformation("Listening for TLS on {Endpoint}", TlsEndPoint);
        }
        CapConnectionsAtDescriptorLimit();
    }

    /// <summary>The address whose <see cref="Listen"/> failed, for the one-line error.</summary>
    public IPEndPoint? FailedEndPoint { get; private set; }

    /// <summary>
    /// Each connection is an open file. At start, raise the soft limit to the hard one, then, if MaxConnections (plus
    /// what is open now, plus ReservedDescriptors) does not fit, say so once and hold only what fits: the connections
    /// past it get ERR SERVER_FULL and BYE like any past MaxConnections, instead of the accept loop running out of
    /// descriptors.
    /// </summary>
    private void CapConnectionsAtDescriptorLimit()
    {
        if (DescriptorLimit.Raise() is not { } limit) return;
        _softLimit = limit.Soft;
        var (open, fits) = FitToDescriptors(limit.Soft);
        if (fits >= _options.MaxConnections) return;
        _log.LogWarning(
            "MaxConnections is {Max} but the open-file limit is {Soft} (hard {Hard}; {Open} open, {Reserved} reserved): " +
            "holding at most {Fits} connections; raise LimitNOFILE / ulimit -n or lower --max-connections",
            _options.MaxConnections, limit.Soft, limit.Hard, open, _options.ReservedDescriptors, fits);
    }

    /// <summary>
    /// Looks again while the server runs (each sweep, and after an accept failed): the open-file limit may have been
    /// changed under the process, and the files that are not sockets (the runtime's, the database's) may have grown.
    /// A changed limit is said in one line.
    /// </summary>
    /// <summary>
    /// Before each socket an accept loop takes (this listener's and the web port's): if the open-file limit changed
    /// since the last look, fit to it now (true) rather than at the next sweep. The accept loop would otherwise take
    /// every file a lowered limit leaves before the sweep sees it, and the runtime, needing one, would abort the
    /// process. One getrlimit per accept: well under a microsecond.
    /// </summary>
    public bool RefitIfLimitChanged()
    {
        if (DescriptorLimit.Read() is not { } limit || limit.Soft == Interlocked.Read(ref _softLimit)) return false;
        RefitToDescriptors(acceptFailed: false);
        return true;
    }

    private void RefitToDescriptors(bool acceptFailed)
    {
        lock (Slots) RefitToDescriptorsLocked(acceptFailed); // the sweep and the accept loops
    }

    private void RefitToDescriptorsLocked(bool acceptFailed)
    {
        if (DescriptorLimit.Read() is not { } limit) return;
        bool changed = limit.Soft != _softLimit;
        // Unchanged, nothing to do but one getrlimit per sweep. Changed, or short of files: count them again now.
        // Capped by the limit: count again every RecountEvery, for the files the runtime opens or closes as it runs
        // (listing /proc/self/fd costs a string per file: at 20,000 connections, not at every sweep).
        long now = Environment.TickCount64;
        bool due = hub.Metrics.ConnectionCapacity < _options.MaxConnections && now - _lastCount >= (long)RecountEvery.TotalMilliseconds;
        if (!changed && !acceptFailed && !_shortOfFiles && !due) return;
        _lastCount = now;
        _softLimit = limit.Soft;
        _shortOfFiles = acceptFailed;
        var (open, fits) = FitToDescriptors(limit.Soft);
        if (changed)
            _log.LogWarning("The open-file limit is now {Soft} (hard {Hard}; {Open} open, {Held} of them connections): holding at most {Fits} connections",
                limit.Soft, limit.Hard, open, Slots.Held, Math.Min(fits, _options.MaxConnections));
    }

    /// <summary>
    /// Sessions up to what fits; sockets (sessions, refusals being written, handshakes) up to a quarter of the reserve
    /// more; the rest stays free for the runtime, which needs files of its own as it runs: two for each assembly it
    /// loads late (the web stack's first request loads some 27), the database's journal, its pipes. With no room left
    /// at all, no socket is accepted until some close: the connections wait in the listen queue.
    /// </summary>
    private (long Open, long Fits) FitToDescriptors(long softLimit)
    {
        long open = DescriptorLimit.OpenNow() ?? softLimit; // cannot count: every descriptor is taken
        long others = Math.Max(0, open - Slots.Held); // listeners, the database, the runtime
        long fits = softLimit - others - _options.ReservedDescriptors;
        long sockets = Math.Min(_options.MaxConnections, fits) + _options.ReservedDescriptors / 4;
        Slots.Limit = (int)Math.Clamp(sockets, 0, int.MaxValue);
        hub.Metrics.ConnectionCapacity = Math.Clamp(fits, 1, _options.MaxConnections);
        return (open, Math.Max(1, fits));
    }

    private Socket Listen(int port)
    {
        var address = IPAddress.Parse(_options.Bind);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(1024);
            return socket;
        }
        catch (SocketException)
        {
            FailedEndPoint = new IPEndPoint(address, port);
            socket.Dispose();
            throw;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        Task sweeper = SweepAsync(stopping);
        // Counted again now that the rest of the server has started (the web port's Kestrel came after Bind).
        RefitToDescriptors(acceptFailed: true);
        try
        {
            var loops = new List<Task> { AcceptLoopAsync(_socket!, _options.Tls, stopping) };
            if (_tlsSocket is not null) loops.Add(AcceptLoopAsync(_tlsSocket, tls: true, stopping));
            await Task.WhenAll(loops);
        }
        catch (Exception e) { failure.Stop("the accept loop", e); }
        finally { IsAccepting = false; }
        try { await sweeper; }
        catch (Exception e) { failure.Stop("the keepalive sweep", e); }
    }

    /// <summary>
    /// Accepts until the server stops. A failed accept is not the end of the server: out of descriptors (EMFILE,
    /// ENFILE), of buffers (ENOBUFS, ENOMEM), or a connection reset while queued, it is counted (accept_errors),
    /// logged at most once per <see cref="AcceptBackoff.LogEvery"/> with how many, and tried again after a short,
    /// growing, capped pause (as Go's and nats-server's accept loops do); the sessions already open go on meanwhile.
    /// </summary>
    private async Task AcceptLoopAsync(Socket listener, bool tls, CancellationToken stopping)
    {
        var backoff = new AcceptBackoff();
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                await Slots.TakeAsync(stopping);
            }
            catch (OperationCanceledException) { return; }
            if (RefitIfLimitChanged())
            {
                Release(); // taken under the old limit: take one again under the new
                continue;
            }
            try
            {
                client = await listener.AcceptAsync(stopping);
            }
            catch (Exception e)
            {
                Release(); // no socket came of it
                if (stopping.IsCancellationRequested) return;
                if (e is not SocketException failed) throw; // a bug, not a shortage: ExecuteAsync stops the server
                if (!await AfterFailedAcceptAsync(failed, listener.LocalEndPoint, backoff, stopping)) return;
                continue;
            }
            backoff.Succeeded();
            client.NoDelay = true;
            if (tls) _ = StartTlsAsync(client, stopping);
            else Start(client, stream: null);
        }
    }

    /// <summary>
    /// What every accept loop (this listener's and the web port's) does after a failed accept: count it, say it at most
    /// once per <see cref="AcceptBackoff.LogEvery"/>, hold fewer sockets if descriptors ran short, and wait the back-off.
    /// False when the server is stopping meanwhile.
    /// </summary>
    public async Task<bool> AfterFailedAcceptAsync(SocketException failed, System.Net.EndPoint? endpoint, AcceptBackoff backoff, CancellationToken stopping)
    {
        hub.Metrics.AcceptErrors.Add(1);
        // Short of descriptors: something else took them (the limit lowered, the runtime's own): hold fewer.
        if (failed.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
        {
            RefitToDescriptors(acceptFailed: true);
            Slots.Limit = Math.Min(Slots.Limit, Slots.Held); // none more until one closes, or the sweep looks again
        }
        if (backoff.Failed(Environment.TickCount64) is { } failures)
            _log.LogWarning("Cannot accept connections on {Endpoint}: {Reason} ({Count} since the last report); " +
                            "retrying, the open connections go on", endpoint, failed.SocketErrorCode, failures == 1 ? "once" : $"{failures} times");
        try { await Task.Delay(backoff.Delay, stopping); }
        catch (OperationCanceledException) { return false; }
        return true;
    }

    private void Start(Socket client, Stream? stream)
    {
        _trimmer.Accepted();
        var session = new Session(new SocketConnection(client, stream), hub, _options, _sessionLog);
        if (!hub.TryAdd(session))
        {
            _ = RefuseAsync(client, ErrorCode.ServerFull, FullMessage).ContinueWith(_ => Release(), TaskScheduler.Default);
            return;
        }
        Run(session, _ended ??= Ended);
    }

    private string FullMessage
    {
        get
        {
            long capacity = hub.Metrics.ConnectionCapacity;
            return capacity < _options.MaxConnections
                ? $"server full ({capacity} connections: the open-file limit)"
                : $"server full (MaxConnections={_options.MaxConnections})";
        }
    }

    /// <summary>
    /// Runs a session over a connection that came another way than this listener's sockets (a WebSocket). The task is
    /// the connection's lifetime: it ends when the session is over, or at once when the server is full or stopping
    /// (the client then gets ERR SERVER_FULL or ERR SHUTDOWN, and BYE).
    /// </summary>
    public Task ServeAsync(ChatConnection connection)
    {
        if (_stopping) return RefuseAsync(connection, ErrorCode.Shutdown, "server shutting down");
        _trimmer.Accepted();
        var session = new Session(connection, hub, _options, _sessionLog);
        if (!hub.TryAdd(session)) return RefuseAsync(connection, ErrorCode.ServerFull, FullMessage);
        // Not one of this listener's sockets: Kestrel's connection holds its slot (WebServer), none is taken here.
        Task running = Run(session, s => _running.TryRemove(s, out _));
        // StopAsync sets _stopping, then closes the sessions listed: one listed after that is closed here.
        if (_stopping) session.Close(ErrorCode.Shutdown, "server shutting down", "server shutting down");
        return running;
    }

    private Task Run(Session session, Action<Session> ended)
    {
        // Listed before it starts, so that the end of a very short session never comes before it is listed.
        _running[session] = Task.CompletedTask;
        Task running = session.RunAsync(ended);
        _running.TryUpdate(session, running, Task.CompletedTask);
        return running;
    }

    /// <summary>
    /// A TLS port: a client whose first byte is not a TLS handshake record (0x16) is a plain client and is told so in
    /// plain text; the others get a handshake, with a deadline, then a session over the encrypted stream.
    /// </summary>
    private async Task StartTlsAsync(Socket client, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(TimeSpan.FromSeconds(_options.TlsHandshakeSeconds));
        SslStream? tls = null;
        try
        {
            var first = new byte[1];
            int n = await client.ReceiveAsync(first, SocketFlags.Peek, deadline.Token);
            if (n == 0) { client.Dispose(); Release(); return; }
            if (first[0] != 0x16)
            {
                await RefuseAsync(client, ErrorCode.TlsRequired, "this port speaks TLS: connect with TLS (tcpchat --tls)");
                Release();
                return;
            }
            // The peek may have completed on an I/O thread (Chat:InlineSocketCompletions), and what follows, the key
            // exchange and the certificate's signature, is the costly part of a handshake (about a millisecond of CPU):
            // on the pool, so that it does not hold up the other connections of that thread.
            await Task.Yield();
            tls = new SslStream(new NetworkStream(client, ownsSocket: false), leaveInnerStreamOpen: false);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _certificate,
                ClientCertificateRequired = false,
            }, deadline.Token);
            Start(client, tls);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException
                                      or System.Security.Authentication.AuthenticationException)
        {
            _log.LogDebug("TLS handshake with {Remote} failed: {Reason}", client.RemoteEndPoint, e.Message);
            tls?.Dispose();
            client.Dispose();
            Release();
        }
    }

    private void Ended(Session session)
    {
        _running.TryRemove(session, out _);
        _trimmer.Departed();
        Release();
    }

    /// <summary>An accepted socket is closed: its slot is free.</summary>
    private void Release() => Slots.Release();

    /// <summary>
    /// Keepalive, write deadlines, memory: a few times per ping period (and per write timeout, and per trim delay), PING
    /// the silent, close the dead and the stuck, give memory back after a burst. One timer for the server, none per connection.
    /// </summary>
    private async Task SweepAsync(CancellationToken stopping)
    {
        double shortest = Math.Min(_options.PingSeconds * 1000.0, _options.WriteTimeoutSeconds * 1000.0);
        if (_options.TrimMemoryAfterSeconds > 0) shortest = Math.Min(shortest, _options.TrimMemoryAfterSeconds * 1000.0);
        var period = TimeSpan.FromMilliseconds(Math.Clamp(shortest / 4, 100, 5000));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping)) // an exception here ends the server: see ExecuteAsync
            {
                hub.Sweep();
                RefitToDescriptors(acceptFailed: false);
                switch (_trimmer.TrimIfQuiet(Environment.TickCount64))
                {
                    case MemoryTrimmer.Outcome.Trimmed:
                        _log.LogInformation("Gave memory back after a burst of connections or disconnections: {Rss} MB resident, paused {Pause} ms",
                            Environment.WorkingSet >> 20, (int)_trimmer.LastPause.TotalMilliseconds);
                        break;
                    case MemoryTrimmer.Outcome.Held:
                        _log.LogInformation("A memory trim is due but waits for quieter traffic: {Frames} frames/s written, over Chat:TrimMemoryMaxFramesPerSecond ({Max}); at most {Wait} s",
                            _trimmer.FramesPerSecond, _options.TrimMemoryMaxFramesPerSecond, _options.TrimMemoryMaxWaitSeconds);
                        break;
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Refuses a connection that has no session: ERR and BYE, at most 2 seconds to write them, then the close.</summary>
    private static async Task RefuseAsync(ChatConnection connection, ErrorCode code, string message)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await connection.Transport.Output.WriteAsync(LastFrames(code, message), cts.Token);
            connection.CloseOutput();
            await connection.LingerAsync(TimeSpan.FromSeconds(1));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
        finally
        {
            connection.Abort();
        }
    }

    private static byte[] LastFrames(ErrorCode code, string message) => FrameWriter.Encode(w =>
    {
        FrameWriter.WriteError(w, code, ProtocolError.NoVerb, message);
        FrameWriter.WriteWithText(w, Verb.Bye, [], message);
    });

    private static async Task RefuseAsync(Socket client, ErrorCode code, string message)
    {
        using (client)
        {
            byte[] frames = LastFrames(code, message);
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.SendAsync(frames, SocketFlags.None, cts.Token);
                client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException) { }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true; // no new sessions from other transports either
        await base.StopAsync(cancellationToken); // cancels the accept loops
        _socket?.Dispose(); // no new connections
        _tlsSocket?.Dispose();
        _log.LogInformation("Shutting down: closing {Count} connections", _running.Count);
        foreach (var session in _running.Keys)
            session.Close(ErrorCode.Shutdown, "server shutting down", "server shutting down");
        var all = Task.WhenAll(_running.Values);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(_options.ShutdownSeconds), CancellationToken.None));
    }
}
