using System.Threading.Channels;

namespace TcpChat.Server.Chat;

/// <summary>
/// A connection's queue of encoded frames, bounded in bytes. Many producers enqueue (room broadcasts, private
/// messages, the session itself); the connection's single writer loop drains it. Past the bound, enqueue fails and
/// the caller closes the connection as a slow consumer: the room and the sender never wait for a slow reader.
/// A frame may hold its place in the queue before it may be written (<see cref="Outgoing.Later"/>): a message until it
/// is stored, a history page until it is read. The writer loop waits there, so the order of the queue is kept.
/// </summary>
internal sealed class Outbox(int maxBytes)
{
    /// <summary>What a history page counts while it waits to be read; the page's own bytes count once it is.</summary>
    public const int PendingPageBytes = 256;

    private readonly Channel<Outgoing> _channel = Channel.CreateUnbounded<Outgoing>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private long _bytes;

    public ChannelReader<Outgoing> Reader => _channel.Reader;

    /// <summary>Bytes queued and not yet handed to the socket.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    public enum Result { Queued, Full, Closed }

    public Result TryEnqueue(ReadOnlyMemory<byte> frame) => TryEnqueue(new Outgoing(frame, frame.Length, null, false));

    public Result TryEnqueue(in Outgoing item)
    {
        if (!TryCharge(item.Charged)) return Result.Full;
        if (_channel.Writer.TryWrite(item)) return Result.Queued;
        Interlocked.Add(ref _bytes, -item.Charged);
        return Result.Closed;
    }

    /// <summary>Counts <paramref name="bytes"/> more against the bound; false (and nothing counted) past it.</summary>
    public bool TryCharge(int bytes)
    {
        if (Interlocked.Add(ref _bytes, bytes) <= maxBytes) return true;
        Interlocked.Add(ref _bytes, -bytes);
        return false;
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

/// <summary>
/// One entry of an <see cref="Outbox"/>: bytes to write, or bytes to write once <see cref="Later"/> completes.
/// A message waiting to be stored has its frame and <see cref="Later"/> completes with the same frame once it is stored
/// (empty: it could not be, and is not sent). A history page has no frame; <see cref="Later"/> completes with the page,
/// whose bytes were charged to the outbox when it was made (<see cref="PageCharged"/>).
/// </summary>
internal readonly record struct Outgoing(ReadOnlyMemory<byte> Frame, int Charged, Task<ReadOnlyMemory<byte>>? Later, bool PageCharged);
