using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading.Channels;
using TcpChat.Protocol;

namespace TcpChat.Tui.Net;

/// <summary>
/// One TCP connection to a TcpChat server: frames in through the protocol library's parser, frames out through one
/// writer loop. It does not reconnect; <see cref="App.ChatController"/> decides when to make a new one.
/// </summary>
public sealed class ChatConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    private ChatConnection(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>How to secure the connection.</summary>
    public enum Security
    {
        /// <summary>Plain TCP.</summary>
        None,
        /// <summary>TLS, the server's certificate verified against the system's trusted roots and the host name.</summary>
        Tls,
        /// <summary>TLS without verifying the certificate: for a self-signed test server only.</summary>
        TlsInsecure,
    }

    /// <summary>
    /// Connects (and with TLS, handshakes), or throws <see cref="SocketException"/>, <see cref="TimeoutException"/> or
    /// <see cref="AuthenticationException"/> with the reason.
    /// </summary>
    public static async Task<ChatConnection> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancel,
        Security security = Security.None)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        cts.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(host, port, cts.Token);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (security != Security.None)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = host,
                    RemoteCertificateValidationCallback = security == Security.TlsInsecure ? (_, _, _, _) => true : null,
                }, cts.Token);
                stream = tls;
            }
            return new ChatConnection(socket, stream);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"no answer within {timeout.TotalSeconds:0} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Queues an encoded frame (see <see cref="FrameWriter"/>); safe from any thread.</summary>
    public void Send(byte[] frame) => _outbox.Writer.TryWrite(frame);

    public void Send(Action<IBufferWriter<byte>> write) => Send(FrameWriter.Encode(write));

    /// <summary>
    /// Reads frames and hands each to <paramref name="onFrame"/> until the connection ends; returns why it ended.
    /// </summary>
    public async Task<string> ReadAllAsync(Action<ServerFrame> onFrame, CancellationToken cancel)
    {
        var parser = new FrameParser(Grammar.ServerToClient, ProtocolDefaults.ClientMaxLine, ProtocolDefaults.ClientMaxPayload);
        var input = PipeReader.Create(_stream);
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync(cancel);
                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition consumed = buffer.Start, examined = buffer.Start;
                while (true)
                {
                    var status = parser.TryParse(buffer, out consumed, out examined, out Frame frame, out ProtocolError error);
                    if (status == ParseStatus.NeedMoreData) break;
                    if (status == ParseStatus.FatalError) return $"server sent a broken frame ({error.Message})";
                    if (status == ParseStatus.Frame)
                        onFrame(new ServerFrame(frame.Verb, frame.Args, frame.HasText ? frame.TextAsString() : null));
                    buffer = buffer.Slice(consumed);
                }
                input.AdvanceTo(consumed, examined);
                if (result.IsCompleted) return "server closed the connection";
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return "closed";
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            return (e.InnerException as SocketException ?? e as SocketException)?.Message ?? e.Message;
        }
        finally
        {
            await input.CompleteAsync();
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (await _outbox.Reader.WaitToReadAsync())
            {
                while (_outbox.Reader.TryRead(out byte[]? frame)) await _stream.WriteAsync(frame);
                await _stream.FlushAsync();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The reader sees the same loss and reports it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outbox.Writer.TryComplete();
        await Task.WhenAny(_writer, Task.Delay(TimeSpan.FromSeconds(2)));
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        _socket.Dispose();
    }
}
