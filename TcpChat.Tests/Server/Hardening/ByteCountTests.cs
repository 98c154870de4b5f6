using System.Diagnostics.Metrics;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Hardening;

/// <summary>
/// The server's <c>tcpchat.bytes.in</c> counter counts what clients sent, once: a frame that arrives in pieces (a
/// slowloris, a slow link) must not be counted again with every piece, or the figure grows with the square of it.
/// </summary>
public sealed class ByteCountTests
{
    [Fact]
    public async Task BytesInCountsEveryByteOnceHoweverSlowlyAFrameArrives()
    {
        await using var server = await InProcessServer.StartAsync();
        var hub = server.Hub();
        long bytesIn = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, hub.Metrics.BytesIn.Instrument)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref bytesIn, value));
        listener.Start();

        await using var client = await server.ConnectAsync();
        await client.ExpectAsync("HELLO");
        byte[] frame = "NICK counted\n"u8.ToArray();
        int sent = 0;
        foreach (int piece in new[] { 2, 3, 1, 4 })
        {
            client.Send(frame[sent..(sent + piece)]);
            sent += piece;
            int expected = sent;
            // The server has read this piece once the counter moved: only then comes the next, in a read of its own.
            await ServerInsight.WaitUntilAsync(() => Interlocked.Read(ref bytesIn) >= expected, $"the server to read {expected} bytes",
                () => $"bytes.in is {Interlocked.Read(ref bytesIn)}");
        }
        client.Send(frame[sent..]);
        await client.ExpectAsync("NICK * counted");

        Assert.Equal(frame.Length, Interlocked.Read(ref bytesIn));
    }
}
