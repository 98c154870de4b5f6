using System.Threading.Channels;

namespace TcpChat.Server.Chat;

/// <summary>
/// A connection's queue of encoded frames, bounded in bytes. Many producers enqueue (room broadcasts, private
/// messages, the session itself); the connection's single writer loop drains it. Past the bound, enqueue fails and
/// the caller closes the connection as a slow consumer: the room and the sender never wait for a slow reader.
/// </summary>
internal sealed class Outbox(int maxBytes)
{
    private readonly Channel<ReadOnlyMemory<byte>> _channel = Channel.CreateUnbounded<ReadOnlyMemory<byte>>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private long _bytes;

    public ChannelReader<ReadOnlyMemory<byte>> Reader => _channel.Reader;

    /// <summary>Bytes queued and not yet handed to the socket.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    public enum Result { Queued, Full, Closed }

    public Result TryEnqueue(ReadOnlyMemory<byte> frame)
    {
        if (Interlocked.Add(ref _bytes, frame.Length) > maxBytes)
        {
            Interlocked.Add(ref _bytes, -frame.Length);
            return Result.Full;
        }
        if (_channel.Writer.TryWrite(frame)) return Result.Queued;
        Interlocked.Add(ref _bytes, -frame.Length);
        return Result.Closed;
    }

    /// <summary>
    /// Closes the outbox to new frames. The writer loop writes what is queued (or drops it, for a slow consumer whose
    /// backlog would never drain), then <see cref="LastFrames"/>, then ends.
    /// </summary>
    public void Complete(ReadOnlyMemory<byte> lastFrames, bool dropBacklog)
    {
        LastFrames = lastFrames;
        DropBacklog = dropBacklog;
        _channel.Writer.TryComplete();
    }

    public ReadOnlyMemory<byte> LastFrames { get; private set; }

    public bool DropBacklog { get; private set; }

    /// <summary>Called by the writer loop for every frame it takes.</summary>
    public void Taken(int length) => Interlocked.Add(ref _bytes, -length);
}
