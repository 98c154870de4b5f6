using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using TcpChat.Protocol;

namespace TcpChat.Tests.Infrastructure;

/// <summary>A frame as a test sees it: <c>VERB args... :text</c> (text shown after a colon, if any).</summary>
public sealed record Received(Verb Verb, string[] Args, string? Text)
{
    public override string ToString() =>
        Verb.ToWire() + string.Concat(Args.Select(a => " " + a)) + (Text is null ? "" : " :" + Text);

    public string Arg(int i) => i < Args.Length ? Args[i] : "";
}

/// <summary>
/// A raw TCP client for tests: writes whatever bytes it is told, reads frames with the protocol library's parser,
/// and waits for frames with generous timeouts instead of sleeping.
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Socket _socket;
    private readonly Channel<Received> _frames = Channel.CreateUnbounded<Received>();
    private readonly List<Received> _seen = new();
    private readonly Task _reader;

    private TestClient(Socket socket)
    {
        _socket = socket;
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>Answer every PING with PONG at once, as a live client does.</summary>
    public bool AutoPong { get; set; }

    /// <summary>Set when the server closed the connection (after every frame it sent was read).</summary>
    public bool Closed { get; private set; }

    /// <summary>A protocol error in what the server sent; tests fail on it.</summary>
    public ProtocolError? ServerError { get; private set; }

    /// <param name="from">A local address to connect from, e.g. 127.0.0.2 (all of 127.0.0.0/8 is loopback on Linux).</param>
    public static async Task<TestClient> ConnectAsync(int port, int receiveBuffer = 0, string? from = null)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer > 0) socket.ReceiveBufferSize = receiveBuffer;
        if (from is not null) socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(from), 0));
        await socket.ConnectAsync("127.0.0.1", port);
        return new TestClient(socket);
    }

    public void Send(string text) => Send(Encoding.UTF8.GetBytes(text));

    public void Send(byte[] bytes)
    {
        try { _socket.Send(bytes); }
        catch (SocketException) { } // the server may already have closed us: the frames read say why
    }

    /// <summary>Waits for the next frame whose text form starts with <paramref name="prefix"/>, skipping others.</summary>
    public Task<Received> ExpectAsync(string prefix, TimeSpan? timeout = null) =>
        ExpectAsync(f => f.ToString().StartsWith(prefix, StringComparison.Ordinal), prefix, timeout);

    public async Task<Received> ExpectAsync(Func<Received, bool> match, string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
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
        throw new Xunit.Sdk.XunitException($"expected '{what}'; got:\n  " + string.Join("\n  ", Seen.TakeLast(30).Select(Shorten)) +
            (Closed ? "\n(connection closed)" : ""));
    }

    /// <summary>The very next frame, whatever it is.</summary>
    public Task<Received> NextAsync(TimeSpan? timeout = null) => ExpectAsync(_ => true, "any frame", timeout);

    /// <summary>Waits until the server closes the connection; returns the frames received until then.</summary>
    public async Task<List<Received>> ExpectClosedAsync(TimeSpan? timeout = null)
    {
        var rest = new List<Received>();
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
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
            throw new Xunit.Sdk.XunitException("expected the server to close the connection; got:\n  " + string.Join("\n  ", rest.TakeLast(30).Select(Shorten)));
        }
        return rest;
    }

    private static string Shorten(Received frame)
    {
        string text = frame.ToString();
        return text.Length <= 200 ? text : text[..200] + $"... ({text.Length} chars)";
    }

    public IReadOnlyList<Received> Seen
    {
        get { lock (_seen) return _seen.ToList(); }
    }

    private async Task ReadAsync()
    {
        var parser = new FrameParser(Grammar.ServerToClient, ProtocolDefaults.ClientMaxLine, ProtocolDefaults.ClientMaxPayload);
        var input = PipeReader.Create(new NetworkStream(_socket, ownsSocket: false));
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                SequencePosition consumed = buffer.Start, examined = buffer.Start;
                while (true)
                {
                    var status = parser.TryParse(buffer, out consumed, out examined, out Frame frame, out ProtocolError error);
                    if (status == ParseStatus.NeedMoreData) break;
                    if (status != ParseStatus.Frame)
                    {
                        ServerError = error;
                        _frames.Writer.TryWrite(new Received(Verb.Unknown, [error.Code.ToWire(), error.Message], null));
                        if (status == ParseStatus.FatalError) return;
                    }
                    else
                    {
                        if (AutoPong && frame.Verb == Verb.Ping) Send($"PONG {frame.Arg(0)}\n");
                        _frames.Writer.TryWrite(new Received(frame.Verb, frame.Args, frame.HasText ? frame.TextAsString() : null));
                    }
                    buffer = buffer.Slice(consumed);
                }
                input.AdvanceTo(consumed, examined);
                if (result.IsCompleted) return;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
        finally
        {
            Closed = true;
            _frames.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _reader.ContinueWith(_ => { });
    }
}
