using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using TcpChat.Protocol;
using TcpChat.Server.Transport;

namespace TcpChat.Server.Web;

/// <summary>
/// A WebSocket as a <see cref="ChatConnection"/>: one message carries one frame. What the client sends is read message by
/// message into <see cref="Input"/>, each made visible whole (one with no final LF gets one); what the session writes
/// to <see cref="Output"/> is cut into frames by the protocol's own parser and each frame is sent as one text message.
/// The session, its parser and its limits are the ones a TCP client gets (docs/PROTOCOL.md, "WebSocket").
/// </summary>
internal sealed class WebSocketConnection : ChatConnection, IDuplexPipe
{
    /// <summary>The subprotocol (<c>Sec-WebSocket-Protocol</c>) a client asks for.</summary>
    public const string SubProtocol = "tcpchat.v1";

    /// <summary>Bytes asked of the socket at a time while a message is read.</summary>
    private const int ReceiveChunk = 4096;

    /// <summary>The most a WebSocket close frame's reason may hold, in bytes (RFC 6455, 5.5).</summary>
    private const int MaxCloseReasonBytes = 123;

    // Like a socket's buffers: the session's flush waits while this much is not yet sent, so its write deadline and
    // outbox bound see a browser that stopped reading as they see a TCP client that did.
    private static readonly PipeOptions PipeOptions = new(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024,
        useSynchronizationContext: false);

    private readonly WebSocket _socket;
    private readonly int _maxMessageBytes;
    private readonly Pipe _input = new(PipeOptions);
    private readonly Pipe _output = new(PipeOptions);
    // Only to find where each frame the server wrote ends: the server's own output, in the server-to-client grammar.
    private readonly FrameParser _frames = new(Grammar.ServerToClient, ProtocolDefaults.ClientMaxLine, ProtocolDefaults.ClientMaxPayload);
    private readonly CancellationTokenSource _cut = new();
    private readonly Task _receiving;
    private readonly Task _sending;
    private volatile bool _messageTooBig;
    private ErrorCode? _lastError; // the send loop's: the code of an ERR frame right before the frame being sent
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";

    /// <param name="maxMessageBytes">A larger message from the client ends the input with ERR TOO_LONG, and the close says 1009.</param>
    public WebSocketConnection(WebSocket socket, IPEndPoint? remote, bool secure, int maxMessageBytes)
    {
        _socket = socket;
        _maxMessageBytes = maxMessageBytes;
        RemoteEndPoint = remote;
        Kind = secure ? "wss" : "ws";
        _receiving = ReceiveLoopAsync();
        _sending = SendLoopAsync();
    }

    public PipeReader Input => _input.Reader;

    public PipeWriter Output => _output.Writer;

    public override IDuplexPipe Transport => this;

    public override IPEndPoint? RemoteEndPoint { get; }

    public override string Kind { get; }

    /// <summary>Ends when the connection is over, both ways (for the HTTP request that carries it).</summary>
    public Task Completion => Task.WhenAll(_receiving, _sending);

    /// <summary>The frames still in <see cref="Output"/> are sent, then the close frame.</summary>
    public override void CloseOutput() => _output.Writer.Complete();

    /// <summary>Input nobody reads any more is thrown away while the close frame goes out and the client's comes back.</summary>
    public override async Task LingerAsync(TimeSpan time)
    {
        _input.Reader.Complete();
        try { await Completion.WaitAsync(time); }
        catch (TimeoutException) { }
    }

    public override void Abort()
    {
        _cut.Cancel();
        _socket.Abort();
        _input.Reader.Complete();
        _output.Writer.Complete();
    }

    /// <summary>
    /// Each message is written to the input pipe and flushed whole, so the session never sees part of one; a message
    /// over <c>_maxMessageBytes</c> is never flushed: the input ends with <see cref="InputRejectedException"/> instead.
    /// </summary>
    private async Task ReceiveLoopAsync()
    {
        PipeWriter writer = _input.Writer;
        Exception? rejected = null;
        bool open; // the client may still send: what it sends is read and dropped until its close frame
        try
        {
            open = await ReceiveMessagesAsync(writer, e => rejected = e);
        }
        catch (Exception e) when (IsDisconnect(e))
        {
            open = false; // reset, aborted, or cut: the input just ends
        }
        finally
        {
            await writer.CompleteAsync(rejected);
        }
        if (open) await DiscardAsync();
    }

    /// <summary>False when the client closed; true when the session reads no more, or a message was too large.</summary>
    private async Task<bool> ReceiveMessagesAsync(PipeWriter writer, Action<Exception> reject)
    {
        while (true)
        {
            long size = 0;
            byte last = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                Memory<byte> memory = writer.GetMemory(ReceiveChunk);
                result = await _socket.ReceiveAsync(memory, _cut.Token);
                if (result.MessageType == WebSocketMessageType.Close) return false; // the end of the client's input
                size += result.Count;
                if (size > _maxMessageBytes)
                {
                    _messageTooBig = true;
                    reject(new InputRejectedException(ErrorCode.TooLong, $"a WebSocket message may hold at most {_maxMessageBytes} bytes: one frame"));
                    return true;
                }
                if (result.Count > 0) last = memory.Span[result.Count - 1];
                writer.Advance(result.Count);
            } while (!result.EndOfMessage);
            if (size == 0) continue; // an empty message is an empty line: nothing
            if (last != (byte)'\n')
            {
                writer.GetSpan(1)[0] = (byte)'\n';
                writer.Advance(1);
            }
            FlushResult flushed = await writer.FlushAsync(_cut.Token);
            if (flushed.IsCompleted) return true; // the session reads no more (a lingering close)
        }
    }

    /// <summary>
    /// After the session stopped reading: messages are received and dropped until the client's close frame (bounded by the
    /// session's lingering close). Unread input would turn the end into a reset, which can drop the close frame and the
    /// last frames before the browser reads them.
    /// </summary>
    private async Task DiscardAsync()
    {
        var scratch = new byte[ReceiveChunk];
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(scratch.AsMemory(), _cut.Token);
                if (result.MessageType == WebSocketMessageType.Close) return;
            }
        }
        catch (Exception e) when (IsDisconnect(e)) { }
    }

    /// <summary>
    /// Cuts what the session writes into frames and sends each as one text message; when the session is done (after ERR
    /// and BYE, if it closed the connection), sends the close frame: its status and reason say why (see <see cref="Note"/>).
    /// </summary>
    private async Task SendLoopAsync()
    {
        PipeReader reader = _output.Reader;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync(_cut.Token);
                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition consumed = buffer.Start, examined = buffer.Start;
                while (true)
                {
                    ParseStatus status = _frames.TryParse(buffer, out consumed, out examined, out Frame frame, out ProtocolError error);
                    if (status == ParseStatus.NeedMoreData) break;
                    if (status != ParseStatus.Frame)
                        throw new InvalidOperationException($"the server wrote a frame its own parser refuses: {error.Code} {error.Message}");
                    Note(frame);
                    await SendAsync(buffer.Slice(buffer.Start, consumed));
                    buffer = buffer.Slice(consumed);
                }
                reader.AdvanceTo(consumed, examined);
                if (result.IsCompleted) break;
            }
            if (_messageTooBig) _closeStatus = WebSocketCloseStatus.MessageTooBig;
            await _socket.CloseOutputAsync(_closeStatus, _closeReason, _cut.Token);
        }
        catch (Exception e) when (IsDisconnect(e)) { }
        finally
        {
            await reader.CompleteAsync(); // the session's flushes end at once: the client is gone
        }
    }

    private async ValueTask SendAsync(ReadOnlySequence<byte> frame)
    {
        if (frame.IsSingleSegment)
        {
            await _socket.SendAsync(frame.First, WebSocketMessageType.Text, endOfMessage: true, _cut.Token);
            return;
        }
        // A frame across segments of the pipe goes out as one message in several pieces.
        SequencePosition at = frame.Start;
        frame.TryGet(ref at, out ReadOnlyMemory<byte> piece);
        while (frame.TryGet(ref at, out ReadOnlyMemory<byte> next))
        {
            await _socket.SendAsync(piece, WebSocketMessageType.Text, endOfMessage: false, _cut.Token);
            piece = next;
        }
        await _socket.SendAsync(piece, WebSocketMessageType.Text, endOfMessage: true, _cut.Token);
    }

    /// <summary>
    /// The close frame tells a browser why it was cut: after <c>BYE</c>, the BYE text as the reason, and a status from the
    /// <c>ERR</c> just before it (the two come together when the server closes a session): TOO_LONG 1009 (message too
    /// big), SHUTDOWN 1001 (going away), another code 1008 (policy violation), none (a QUIT) 1000.
    /// </summary>
    private void Note(in Frame frame)
    {
        switch (frame.Verb)
        {
            case Verb.Err:
                _lastError = ErrorCodes.TryParse(frame.Arg(0), out var code) ? code : ErrorCode.BadFrame;
                return;
            case Verb.Bye:
                _closeStatus = _lastError switch
                {
                    null => WebSocketCloseStatus.NormalClosure,
                    ErrorCode.TooLong => WebSocketCloseStatus.MessageTooBig,
                    ErrorCode.Shutdown => WebSocketCloseStatus.EndpointUnavailable,
                    _ => WebSocketCloseStatus.PolicyViolation,
                };
                _closeReason = Truncate(frame.TextAsString(), MaxCloseReasonBytes);
                break;
        }
        _lastError = null;
    }

    /// <summary>At most <paramref name="bytes"/> bytes of UTF-8, cut between characters.</summary>
    private static string Truncate(string text, int bytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= bytes) return text;
        int length = 0, used = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > bytes) break;
            used += rune.Utf8SequenceLength;
            length += rune.Utf16SequenceLength;
        }
        return text[..length];
    }

    private static bool IsDisconnect(Exception e) =>
        e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or ConnectionAbortedException;
}
