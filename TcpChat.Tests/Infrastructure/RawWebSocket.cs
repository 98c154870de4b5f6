using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace TcpChat.Tests.Infrastructure;

/// <summary>
/// A WebSocket written by hand over a socket, for what .NET's client hides: the HTTP answer to an upgrade that is
/// refused, the server's PING frames (not answered), a client that stops reading with a small receive buffer.
/// </summary>
public sealed class RawWebSocket : IDisposable
{
    public const int Text = 0x1, Close = 0x8, Ping = 0x9, Pong = 0xA;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawWebSocket(Socket socket, string head)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Head = head;
        Status = int.Parse(head.Split(' ')[1]);
    }

    /// <summary>The server's answer to the upgrade, up to the blank line.</summary>
    public string Head { get; }

    public int Status { get; }

    public static async Task<RawWebSocket> ConnectAsync(int port, string? origin = null, int receiveBuffer = 0,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer > 0) socket.ReceiveBufferSize = receiveBuffer;
        await socket.ConnectAsync("127.0.0.1", port);
        var request = new StringBuilder($"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
            .Append($"Sec-WebSocket-Key: {Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}\r\n")
            .Append("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: tcpchat.v1\r\n");
        if (origin is not null) request.Append($"Origin: {origin}\r\n");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Append($"{name}: {value}\r\n");
        request.Append("\r\n");
        await socket.SendAsync(Encoding.ASCII.GetBytes(request.ToString()));
        // The head, byte by byte: nothing after the blank line is read.
        var head = new List<byte>();
        var one = new byte[1];
        using var cts = new CancellationTokenSource(TestClient.Timeout);
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await socket.ReceiveAsync(one, SocketFlags.None, cts.Token) == 0) break;
            head.Add(one[0]);
        }
        return new RawWebSocket(socket, Encoding.ASCII.GetString(head.ToArray()));
    }

    /// <summary>A masked text frame, as a client must send.</summary>
    public Task SendTextAsync(string text) => SendAsync(Text, Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(int opcode, byte[] payload)
    {
        var frame = new List<byte> { (byte)(0x80 | opcode) };
        if (payload.Length < 126) frame.Add((byte)(0x80 | payload.Length));
        else
        {
            frame.Add(0x80 | 126);
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }
        byte[] mask = RandomNumberGenerator.GetBytes(4);
        frame.AddRange(mask);
        frame.AddRange(payload.Select((b, i) => (byte)(b ^ mask[i % 4])));
        await _socket.SendAsync(frame.ToArray());
    }

    /// <summary>The next frame from the server: opcode and payload; null when the connection ended.</summary>
    public async Task<(int Opcode, byte[] Payload)?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestClient.Timeout);
        try
        {
            byte[] header = await ReadExactlyAsync(2, cts.Token);
            long length = header[1] & 0x7F;
            if (length == 126) length = (await ReadExactlyAsync(2, cts.Token)).Aggregate(0L, (n, b) => n << 8 | b);
            else if (length == 127) length = (await ReadExactlyAsync(8, cts.Token)).Aggregate(0L, (n, b) => n << 8 | b);
            return (header[0] & 0x0F, await ReadExactlyAsync((int)length, cts.Token));
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or SocketException) { return null; }
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken token)
    {
        var buffer = new byte[count];
        await _stream.ReadExactlyAsync(buffer, token);
        return buffer;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }
}
