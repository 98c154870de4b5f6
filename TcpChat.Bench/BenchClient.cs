using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using TcpChat.Protocol;

namespace TcpChat.Bench;

/// <summary>
/// One benchmark connection: registers, joins the room, and counts the room's MSG frames as they arrive, checking that
/// their ids follow each other without a gap. Parsing is the protocol library's, as in the client.
/// </summary>
internal sealed class BenchClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly string _room;
    private readonly long _expected;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reader;
    private long _received;
    private long _lastId;

    private BenchClient(Socket socket, string nick, string room, long expected)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Nick = nick;
        _room = room;
        _expected = expected;
        _reader = Task.Run(ReadAsync);
    }

    public string Nick { get; }

    public string Hello { get; private set; } = "";

    /// <summary>MSG frames of the room received so far.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Completes when the room's NAMES has arrived: what comes after is live.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Completes when every expected message has arrived.</summary>
    public Task Done => _done.Task;

    /// <summary>Why the server closed this connection, once it has.</summary>
    public string? ClosedReason { get; private set; }

    public static async Task<BenchClient> ConnectAsync(string host, int port, string nick, string room, long expected)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new BenchException($"cannot connect to {host}:{port}: {e.Message}");
        }
        var client = new BenchClient(socket, nick, room, expected);
        await client.SendAsync(Encoding.UTF8.GetBytes($"NICK {nick}\nJOIN {room}\n"), CancellationToken.None);
        return client;
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancel)
    {
        try { await _stream.WriteAsync(bytes, cancel); }
        catch (IOException e) { throw new BenchException($"{Nick}: cannot send: {e.Message}"); }
    }

    private async Task ReadAsync()
    {
        var parser = new FrameParser(Grammar.ServerToClient, ProtocolDefaults.ClientMaxLine, ProtocolDefaults.ClientMaxPayload);
        var input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync();
                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition consumed = buffer.Start, examined = buffer.Start;
                while (true)
                {
                    var status = parser.TryParse(buffer, out consumed, out examined, out Frame frame, out ProtocolError error);
                    if (status == ParseStatus.NeedMoreData) break;
                    if (status != ParseStatus.Frame) throw new BenchException($"{Nick}: bad frame from the server: {error.Message}");
                    On(frame);
                    buffer = buffer.Slice(consumed);
                }
                input.AdvanceTo(consumed, examined);
                if (result.IsCompleted) break;
            }
            Close("connection closed");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Close("connection closed");
        }
        catch (BenchException e)
        {
            Close(e.Message);
        }
    }

    private void On(in Frame frame)
    {
        switch (frame.Verb)
        {
            case Verb.Hello:
                Hello = string.Join(' ', frame.Args);
                break;
            case Verb.Names when frame.Arg(0).Equals(_room, StringComparison.OrdinalIgnoreCase):
                _ready.TrySetResult();
                break;
            case Verb.Msg when frame.Arg(0).Equals(_room, StringComparison.OrdinalIgnoreCase):
                long id = long.Parse(frame.Arg(2), CultureInfo.InvariantCulture);
                if (_lastId != 0 && id != _lastId + 1) throw new BenchException($"{Nick}: message {id} after {_lastId}");
                _lastId = id;
                if (Interlocked.Increment(ref _received) == _expected) _done.TrySetResult();
                break;
            case Verb.Err:
            case Verb.Bye:
                Close($"{frame.Verb.ToWire()} {string.Join(' ', frame.Args)} {frame.TextAsString()}");
                break;
        }
    }

    private void Close(string reason)
    {
        ClosedReason ??= reason;
        var failure = new BenchException($"{Nick}: {ClosedReason}");
        _ready.TrySetException(failure);
        _done.TrySetException(failure);
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _reader.ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
