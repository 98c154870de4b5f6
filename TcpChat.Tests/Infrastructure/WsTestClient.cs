using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using TcpChat.Protocol;

namespace TcpChat.Tests.Infrastructure;

/// <summary>
/// A WebSocket client for tests (.NET's ClientWebSocket): sends each string as one text message, and reads each message
/// the server sends as exactly one frame (a message holding more or less than one frame is a <see cref="ServerError"/>).
/// Waits with generous timeouts, as <see cref="TestClient"/> does.
/// </summary>
public sealed class WsTestClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Channel<Received> _frames = Channel.CreateUnbounded<Received>();
    private readonly List<Received> _seen = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly Task _reader;

    private WsTestClient(ClientWebSocket socket)
    {
        _socket = socket;
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>The subprotocol the server chose.</summary>
    public string? SubProtocol => _socket.SubProtocol;

    /// <summary>Set once the server's close frame arrived (or the connection dropped), after every frame before it was read.</summary>
    public bool Closed { get; private set; }

    /// <summary>The server's close frame: its status and reason; null until it came.</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public string? CloseReason { get; private set; }

    /// <summary>A message that was not exactly one frame the protocol's parser accepts.</summary>
    public string? ServerError { get; private set; }

    /// <summary>Answer every PING with PONG at once, as the web page does.</summary>
    public bool AutoPong { get; set; }

    /// <param name="origin">The Origin header a browser would send; null sends none.</param>
    /// <param name="headers">More request headers, e.g. X-Forwarded-For.</param>
    public static async Task<WsTestClient> ConnectAsync(int webPort, string? origin = null, string? subProtocol = "tcpchat.v1",
        IReadOnlyDictionary<string, string>? headers = null, string scheme = "ws", bool trustAnyCertificate = false)
    {
        var socket = new ClientWebSocket();
        if (subProtocol is not null) socket.Options.AddSubProtocol(subProtocol);
        if (origin is not null) socket.Options.SetRequestHeader("Origin", origin);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) socket.Options.SetRequestHeader(name, value);
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        if (trustAnyCertificate) socket.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        socket.Options.CollectHttpResponseDetails = true;
        using var cts = new CancellationTokenSource(TestClient.Timeout);
        await socket.ConnectAsync(new Uri($"{scheme}://127.0.0.1:{webPort}/ws"), cts.Token);
        return new WsTestClient(socket);
    }

    /// <summary>One text message, exactly these bytes.</summary>
    public Task SendAsync(string message) => SendAsync(Encoding.UTF8.GetBytes(message));

    public async Task SendAsync(byte[] message, WebSocketMessageType type = WebSocketMessageType.Text)
    {
        await _sending.WaitAsync();
        try { await _socket.SendAsync(message, type, endOfMessage: true, CancellationToken.None); }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException) { } // closed: the frames read say why
        finally { _sending.Release(); }
    }

    public Task<Received> ExpectAsync(string prefix, TimeSpan? timeout = null) =>
        ExpectAsync(f => f.ToString().StartsWith(prefix, StringComparison.Ordinal), prefix, timeout);

    public async Task<Received> ExpectAsync(Func<Received, bool> match, string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestClient.Timeout);
        try
        {
            while (await _frames.Reader.WaitToReadAsync(cts.Token))
            {
                while (_frames.Reader.TryRead(out var frame))
                {
                    lock (_seen) _seen.Add(frame);
                    if (match(frame)) return frame;
                }
            }
        }
        catch (OperationCanceledException) { }
        throw new Xunit.Sdk.XunitException($"expected '{what}'; got:\n  " + string.Join("\n  ", Seen.TakeLast(30)) +
            (Closed ? $"\n(closed: {CloseStatus} {CloseReason})" : ""));
    }

    /// <summary>Waits for the server's close; returns the frames received until then.</summary>
    public async Task<List<Received>> ExpectClosedAsync(TimeSpan? timeout = null)
    {
        var rest = new List<Received>();
        using var cts = new CancellationTokenSource(timeout ?? TestClient.Timeout);
        try
        {
            await foreach (var frame in _frames.Reader.ReadAllAsync(cts.Token))
            {
                lock (_seen) _seen.Add(frame);
                rest.Add(frame);
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException("expected the server to close the WebSocket; got:\n  " + string.Join("\n  ", rest.TakeLast(30)));
        }
        return rest;
    }

    public IReadOnlyList<Received> Seen
    {
        get { lock (_seen) return _seen.ToList(); }
    }

    private async Task ReadAsync()
    {
        var parser = new FrameParser(Grammar.ServerToClient, ProtocolDefaults.ClientMaxLine, ProtocolDefaults.ClientMaxPayload);
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                message.Clear();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(message.GetMemory(4096), CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        CloseStatus = _socket.CloseStatus;
                        CloseReason = _socket.CloseStatusDescription;
                        // Answer the close, as a browser does.
                        try { await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None); }
                        catch (Exception e) when (e is WebSocketException or ObjectDisposedException) { }
                        return;
                    }
                    message.Advance(result.Count);
                } while (!result.EndOfMessage);
                var bytes = new ReadOnlySequence<byte>(message.WrittenMemory);
                var status = parser.TryParse(bytes, out var consumed, out _, out Frame frame, out ProtocolError error);
                if (status != ParseStatus.Frame || !consumed.Equals(bytes.End) || result.MessageType != WebSocketMessageType.Text)
                {
                    ServerError = $"a {result.MessageType} message that is not one frame ({status} {error.Message}): " +
                        Encoding.UTF8.GetString(message.WrittenSpan);
                    _frames.Writer.TryWrite(new Received(Verb.Unknown, ["NOT_ONE_FRAME", ServerError], null));
                    continue;
                }
                if (AutoPong && frame.Verb == Verb.Ping) _ = SendAsync($"PONG {frame.Arg(0)}");
                _frames.Writer.TryWrite(new Received(frame.Verb, frame.Args, frame.HasText ? frame.TextAsString() : null));
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or IOException or OperationCanceledException) { }
        finally
        {
            Closed = true;
            _frames.Writer.TryComplete();
        }
    }

    /// <summary>Drops the connection without a close frame.</summary>
    public void Abort() => _socket.Abort();

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _reader.ContinueWith(_ => { });
        _socket.Dispose();
    }
}
