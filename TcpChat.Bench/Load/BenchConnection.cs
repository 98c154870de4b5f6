using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using TcpChat.Bench.Protocols;

namespace TcpChat.Bench.Load;

/// <summary>What a workload does with each message a connection receives.</summary>
public interface IMessageSink
{
    /// <param name="now">When the bytes holding the message were read (a <see cref="Stopwatch"/> timestamp).</param>
    void OnMessage(BenchConnection connection, ReadOnlySpan<byte> text, long now);
}

/// <summary>
/// One client connection of the load generator: a socket, the protocol session that reads it, and the workload's
/// <see cref="IMessageSink"/>. Reading is done by an <see cref="EpollLoop"/> thread, a plain <c>recv</c> into this
/// connection's buffer whenever the socket is readable; the counters are the workload's, written only by that thread.
/// </summary>
public sealed class BenchConnection : IProtocolEvents, IAsyncDisposable
{
    private const int SolIp = 0, IpBindAddressNoPort = 24; // <linux/in.h>

    private readonly Socket _socket;
    private readonly int _fd;
    private readonly IProtocolSession _session;
    private readonly ArrayBufferWriter<byte> _replies = new(256);
    private readonly object _sendGate = new();
    private readonly object _readGate = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EpollLoop? _loop;
    private byte[] _buffer;
    private int _filled;
    private long _now;
    private string? _closedReason;
    private bool _disposed;

    private BenchConnection(Socket socket, IProtocolSession session, int index, string nick, string room, bool publisher,
        IMessageSink sink, int bufferSize)
    {
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _session = session;
        Index = index;
        Nick = nick;
        Room = room;
        IsPublisher = publisher;
        Sink = sink;
        _buffer = new byte[bufferSize];
    }

    public int Index { get; }

    public string Nick { get; }

    public string Room { get; }

    public bool IsPublisher { get; }

    public IMessageSink Sink { get; set; }

    /// <summary>Completes when the connection is registered and in its room; fails if it closes first.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Completes when the connection has closed, for whatever reason.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Why the connection closed (null while open).</summary>
    public string? ClosedReason => Volatile.Read(ref _closedReason);

    /// <summary>The last error the server reported, fatal or not.</summary>
    public string? LastError { get; private set; }

    // The workload's counters, written by the reading thread only.
    public long Received;
    public long Gaps;
    public long NextSeq;
    public long LastAt;

    /// <summary>Connects from <paramref name="source"/> (a loopback address, so more than ~28k connections fit), starts
    /// the protocol, and starts reading.</summary>
    /// <param name="asyncConnect">
    /// Connect asynchronously: for thousands of connects at once whose SYNs may go unanswered for seconds (a reconnect
    /// storm), where a blocking connect per pool thread would starve the load generator's thread pool.
    /// </param>
    public static async Task<BenchConnection> ConnectAsync(IPEndPoint server, IPAddress? source, ChatProtocol protocol,
        int index, string nick, string room, bool publisher, IMessageSink sink, int bufferSize, CancellationToken cancel,
        bool asyncConnect = false)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (source is not null)
            {
                // The port is chosen at connect, for this destination, not at bind from the whole range.
                socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
                socket.Bind(new IPEndPoint(source, 0));
            }
            // A blocking connect on a pool thread: an async one would register the socket with .NET's own epoll, which
            // would then wake for every read this connection's EpollLoop does.
            if (asyncConnect) await socket.ConnectAsync(server, cancel);
            else await Task.Run(() => socket.Connect(server), cancel);
            socket.Blocking = false;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            throw new BenchException($"{nick}: cannot connect to {server}{(source is null ? "" : $" from {source}")}: {e.Message}");
        }
        var session = protocol.NewSession(nick, room, publisher);
        var connection = new BenchConnection(socket, session, index, nick, room, publisher, sink, bufferSize);
        var start = new ArrayBufferWriter<byte>(256);
        session.Start(start);
        connection.Send(start.WrittenSpan);
        connection._loop = EpollLoop.Next();
        connection._loop.Add(connection._fd, connection);
        return connection;
    }

    /// <summary>Sends bytes whole (waiting while the socket's buffer is full); sends from several threads do not interleave.</summary>
    public unsafe void Send(ReadOnlySpan<byte> bytes)
    {
        lock (_sendGate)
        {
            fixed (byte* start = bytes)
            {
                byte* p = start;
                nint left = bytes.Length;
                while (left > 0)
                {
                    if (_disposed || _closedReason is not null) throw new BenchException($"{Nick}: {_closedReason ?? "closed"}");
                    nint n = Native.send(_fd, p, left, Native.MsgDontWait | Native.MsgNoSignal);
                    if (n > 0)
                    {
                        p += n;
                        left -= n;
                        continue;
                    }
                    int errno = Marshal.GetLastPInvokeError();
                    if (n < 0 && errno is Native.EAgain or Native.EIntr)
                    {
                        var pfd = new Native.PollFd { Fd = _fd, Events = Native.PollOut };
                        Native.poll(&pfd, 1, 100);
                        continue;
                    }
                    string why = $"cannot send: errno {errno}";
                    Close(why);
                    throw new BenchException($"{Nick}: {why}");
                }
            }
        }
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancel = default)
    {
        Send(bytes.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>Called by the <see cref="EpollLoop"/> thread when the socket is readable (or closed).</summary>
    internal unsafe void OnReadable()
    {
        lock (_readGate)
        {
            if (_disposed || _closedReason is not null) return;
            try
            {
                while (true)
                {
                    if (_filled == _buffer.Length)
                    {
                        if (_buffer.Length >= 64 * 1024 * 1024) throw new BenchException("a frame over 64 MiB");
                        Array.Resize(ref _buffer, _buffer.Length * 2); // a frame larger than the buffer: NAMES of a big room
                    }
                    nint n;
                    fixed (byte* p = _buffer) n = Native.recv(_fd, p + _filled, _buffer.Length - _filled, Native.MsgDontWait);
                    if (n == 0)
                    {
                        Close(LastError is null ? "closed by the server" : $"closed by the server after: {LastError}");
                        return;
                    }
                    if (n < 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == Native.EAgain) return;
                        if (errno == Native.EIntr) continue;
                        Close($"connection lost: errno {errno}");
                        return;
                    }
                    bool full = _filled + n == _buffer.Length;
                    _filled += (int)n;
                    _now = Stopwatch.GetTimestamp();
                    int used = _session.Parse(_buffer.AsSpan(0, _filled), _replies, this);
                    if (used > 0)
                    {
                        _buffer.AsSpan(used, _filled - used).CopyTo(_buffer);
                        _filled -= used;
                    }
                    if (_replies.WrittenCount > 0)
                    {
                        Send(_replies.WrittenSpan);
                        _replies.ResetWrittenCount();
                    }
                    if (!full) return; // level-triggered: the loop calls again while there is more
                }
            }
            catch (BenchException e)
            {
                Close(e.Message);
            }
        }
    }

    void IProtocolEvents.OnReady() => _ready.TrySetResult();

    void IProtocolEvents.OnMessage(ReadOnlySpan<byte> text) => Sink.OnMessage(this, text, _now);

    void IProtocolEvents.OnError(string reason, bool fatal)
    {
        LastError = reason;
        if (fatal) Close(reason);
    }

    private void Close(string reason)
    {
        if (Interlocked.CompareExchange(ref _closedReason, reason, null) is not null) return;
        _loop?.Remove(_fd);
        var failure = new BenchException($"{Nick}: {reason}");
        _ready.TrySetException(failure);
        _closed.TrySetResult();
    }

    public ValueTask DisposeAsync()
    {
        Close("closed by the load generator");
        lock (_readGate)
            lock (_sendGate)
            {
                _disposed = true;
                _socket.Dispose();
            }
        return ValueTask.CompletedTask;
    }
}
