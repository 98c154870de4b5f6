using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TcpChat.Protocol;
using TcpChat.Server.Chat;

namespace TcpChat.Server.Hosting;

/// <summary>
/// Owns the listening socket: accepts connections and runs a <see cref="Session"/> for each; runs the keepalive
/// sweep; on stop, says BYE to everyone and waits (up to ShutdownSeconds) for their outboxes to drain.
/// </summary>
internal sealed class ChatListener(ChatHub hub, IOptions<ChatOptions> options, ILoggerFactory loggers) : BackgroundService
{
    private readonly ChatOptions _options = options.Value;
    private readonly ILogger _log = loggers.CreateLogger("TcpChat.Server");
    private readonly ILogger _sessionLog = loggers.CreateLogger<Session>();
    private readonly ConcurrentDictionary<Session, Task> _running = new();
    private Socket? _socket;

    /// <summary>True while the accept loop runs: what the systemd watchdog reports on.</summary>
    public bool IsAccepting { get; private set; }

    /// <summary>Where the server listens; known once the host has started (with Port 0, the port picked).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Bind before the host reports started, so a taken port fails the start instead of a background task.
        var address = IPAddress.Parse(_options.Bind);
        _socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (address.Equals(IPAddress.IPv6Any)) _socket.DualMode = true;
        _socket.Bind(new IPEndPoint(address, _options.Port));
        _socket.Listen(1024);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _log.LogInformation("Listening on {Endpoint} as {ServerName}", LocalEndPoint, _options.ServerName);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        Task sweeper = SweepAsync(stopping);
        IsAccepting = true;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                Socket client = await _socket!.AcceptAsync(stopping);
                client.NoDelay = true;
                var session = new Session(client, hub, _options, _sessionLog);
                if (!hub.TryAdd(session))
                {
                    _ = RefuseAsync(client, ErrorCode.ServerFull, $"server full (MaxConnections={_options.MaxConnections})");
                    continue;
                }
                _running[session] = RunAsync(session, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
        catch (Exception e) when (e is ObjectDisposedException or SocketException && stopping.IsCancellationRequested) { }
        finally { IsAccepting = false; }
        await sweeper;
    }

    private async Task RunAsync(Session session, CancellationToken stopping)
    {
        await Task.Yield(); // the accept loop goes on while this connection starts
        try { await session.RunAsync(stopping); }
        finally { _running.TryRemove(session, out _); }
    }

    /// <summary>Keepalive: a few times per ping period, PING the silent and close the dead.</summary>
    private async Task SweepAsync(CancellationToken stopping)
    {
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_options.PingSeconds * 1000 / 4, 100, 5000));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping)) hub.Sweep();
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
        await base.StopAsync(cancellationToken); // cancels the accept loop
        _socket?.Dispose(); // no new connections
        _log.LogInformation("Shutting down: closing {Count} connections", _running.Count);
        foreach (var session in _running.Keys)
            session.Close(ErrorCode.Shutdown, "server shutting down", "server shutting down");
        var all = Task.WhenAll(_running.Values);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(_options.ShutdownSeconds), CancellationToken.None));
    }
}
