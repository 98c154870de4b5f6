using System.Buffers;
using System.Net.Sockets;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Protocol;

namespace TcpChat.Tests.Server;

/// <summary>A slow consumer as it sees its own end (docs/PROTOCOL.md, "Slow consumers" and session 12).</summary>
public sealed class SlowConsumerTests
{
    [Fact]
    public async Task SlowConsumerReadsErrSlowConsumerAndByeAfterWhatTheSocketHeld()
    {
        // A close timeout far longer than the test needs: the ERR and BYE wait for the client to read again.
        await using var server = await InProcessServer.StartAsync("--outbox-bytes", "65536", "--max-payload", "16384",
            "--close-timeout", "120");
        await using var alice = await server.RegisterAsync("alice");
        await using var bob = await server.RegisterAsync("bob");

        // A raw socket that registers, then stops reading (as nc does under Ctrl+Z).
        using var stuck = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stuck.ConnectAsync("127.0.0.1", server.Port);
        stuck.Send("NICK stuck\n"u8);
        await alice.ExpectAsync("JOIN #lobby stuck");

        string text = new('x', 4000);
        int sent = 0;
        bool Quit() => bob.Seen.Any(f => f.ToString() == "QUIT stuck :slow consumer");
        while (!Quit() && sent < 25_000) // 100 MB at most: far more than any socket buffer
        {
            for (int k = 0; k < 8; k++) alice.Send($"SEND #lobby :{text}\n");
            sent += 8;
            await bob.ExpectAsync(f => f.Verb == Verb.Msg && f.Arg(2) == sent.ToString(), $"message {sent}");
        }
        Assert.True(Quit(), "the stuck client was never disconnected");

        // It reads again: what the socket buffers held, then the two last frames, then the end of the stream.
        var received = new ArrayBufferWriter<byte>();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            int n;
            while ((n = await stuck.ReceiveAsync(received.GetMemory(65536), SocketFlags.None, timeout.Token)) > 0) received.Advance(n);
        }
        var frames = new List<string>();
        var parser = Parsers.Client();
        var input = new ReadOnlySequence<byte>(received.WrittenMemory);
        while (parser.TryParse(input, out var consumed, out _, out Frame frame, out _) == ParseStatus.Frame)
        {
            frames.Add(Parsers.Describe(frame));
            input = input.Slice(consumed);
        }
        Assert.True(input.IsEmpty, $"{input.Length} bytes after the last whole frame");
        Assert.Equal(
            ["ERR [SLOW_CONSUMER, *] \"outbox passed 65536 bytes: reading too slowly\"", "BYE [] \"outbox passed 65536 bytes: reading too slowly\""],
            frames[^2..]);
        Assert.All(frames[..^2], f => Assert.Matches(@"^(HELLO|NICK|JOIN|NAMES|HISTORY|MSG) ", f)); // nothing else came first
    }
}
