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

namespace TcpChat.Server.Hosting;

/// <summary>
/// Owns the listening sockets (the main port, plain or TLS, and an optional second TLS port): accepts connections and
/// runs a <see cref="Session"/> for each; runs the keepalive sweep; on stop, says BYE to everyone and waits (up to
/// ShutdownSeconds) for their outboxes to drain.
/// </summary>
internal sealed class ChatListener(ChatHub hub, IOptions<ChatOptions> options, ILoggerFactory loggers, FatalFailure failure)
    : BackgroundService
{
    private readonly ChatOptions _options = options.Value;
    private readonly ILogger _log = loggers.CreateLogger("TcpChat.Server");
    private readonly ILogger _sessionLog = loggers.CreateLogger<Session>();
    private readonly ConcurrentDictionary<Session, Task> _running = new();
    private readonly MemoryTrimmer _trimmer = new(options.Value.TrimMemoryAfterSeconds, hub.Metrics);
    private Socket? _socket;
    private Socket? _tlsSocket;
    private X509Certificate2? _certificate;

    // One slot per accepted socket until it is closed (a session, a refusal, a TLS handshake): the accept loop waits
    // for a free slot instead of taking descriptors the runtime itself needs (out of them, it aborts the process).
    private SemaphoreSlim _sockets = new(int.MaxValue);

    /// <summary>True while the accept loop runs: what the systemd watchdog reports on.</summary>
    public bool IsAccepting { get; private set; }

    /// <summary>Where the server listens; known once the host has started (with Port 0, the port picked).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>The second, TLS port, when there is one.</summary>
    public IPEndPoint? TlsEndPoint { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        Bind();
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
    /// Each connection is an open file. Raise the soft limit to the hard one, then, if MaxConnections (plus what is
    /// open now, plus ReservedDescriptors) does not fit, say so once and hold only what fits: the connections past it
    /// get ERR SERVER_FULL and BYE like any past MaxConnections, instead of the accept loop running out of descriptors.
    /// </summary>
    private void CapConnectionsAtDescriptorLimit()
    {
        if (DescriptorLimit.Raise() is not { } limit) return;
        long open = DescriptorLimit.OpenNow();
        long fits = Math.Max(1, limit.Soft - open - _options.ReservedDescriptors);
        // Sessions up to the capacity, then half the reserve for refusals and handshakes in progress; the other half
        // stays free for the runtime (assemblies loaded late, the database's journal).
        _sockets = new SemaphoreSlim((int)Math.Min(int.MaxValue, Math.Min(fits, _options.MaxConnections) + _options.ReservedDescriptors / 2));
        if (fits >= _options.MaxConnections) return;
        hub.Metrics.ConnectionCapacity = fits;
        _log.LogWarning(
            "MaxConnections is {Max} but the open-file limit is {Soft} (hard {Hard}; {Open} open, {Reserved} reserved): " +
            "holding at most {Fits} connections; raise LimitNOFILE / ulimit -n or lower --max-connections",
            _options.MaxConnections, limit.Soft, limit.Hard, open, _options.ReservedDescriptors, fits);
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
        IsAccepting = true;
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
                await _sockets.WaitAsync(stopping);
            }
            catch (OperationCanceledException) { return; }
            try
            {
                client = await listener.AcceptAsync(stopping);
            }
            catch (Exception e)
            {
                Release(); // no socket came of it
                if (stopping.IsCancellationRequested) return;
                if (e is not SocketException failed) throw; // a bug, not a shortage: ExecuteAsync stops the server
                hub.Metrics.AcceptErrors.Add(1);
                if (backoff.Failed(Environment.TickCount64) is { } failures)
                    _log.LogWarning("Cannot accept connections on {Endpoint}: {Reason} ({Count} times since the last report); " +
                                    "retrying, the open connections go on", listener.LocalEndPoint, failed.SocketErrorCode, failures);
                try { await Task.Delay(backoff.Delay, stopping); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            backoff.Succeeded();
            client.NoDelay = true;
            if (tls) _ = StartTlsAsync(client, stopping);
            else Start(client, stream: null);
        }
    }

    private void Start(Socket client, Stream? stream)
    {
        _trimmer.Accepted();
        var session = new Session(client, stream, hub, _options, _sessionLog);
        if (!hub.TryAdd(session))
        {
            long capacity = hub.Metrics.ConnectionCapacity;
            _ = RefuseAsync(client, ErrorCode.ServerFull, capacity < _options.MaxConnections
                ? $"server full ({capacity} connections: the open-file limit)"
                : $"server full (MaxConnections={_options.MaxConnections})").ContinueWith(_ => Release(), TaskScheduler.Default);
            return;
        }
        // Listed before it starts, so that the end of a very short session never comes before it is listed.
        _running[session] = Task.CompletedTask;
        _running.TryUpdate(session, session.RunAsync(Ended), Task.CompletedTask);
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
        Release();
    }

    /// <summary>An accepted socket is closed: its slot is free.</summary>
    private void Release() => _sockets.Release();

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
                if (_trimmer.TrimIfQuiet(Environment.TickCount64))
                    _log.LogInformation("Gave memory back after a burst of connections: {Rss} MB resident", Environment.WorkingSet >> 20);
            }
        }
        catch (OperationCanceledException) { }
    }

    private static async Task RefuseAsync(Socket client, ErrorCode code, string message)
    {
        using (client)
        {
            byte[] frames = FrameWriter.Encode(w =>
            {
                FrameWriter.WriteError(w, code, ProtocolError.NoVerb, message);
                FrameWriter.WriteWithText(w, Verb.Bye, [], message);
            });
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
