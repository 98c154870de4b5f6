using System.Diagnostics;
using System.Net.Sockets;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server;

/// <summary>docs/PROTOCOL.md, "Shutdown": BYE to everyone, outboxes drained for at most --shutdown-seconds, exit 0.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task ClientThatNeverReadsHoldsShutdownNoLongerThanShutdownSecondsThenTheServerExitsZero()
    {
        // Room to spare in the outbox and a close timeout of 10 minutes: only --shutdown-seconds ends the wait.
        await using var server = await ServerProcess.StartAsync("--outbox-bytes", "67108864", "--close-timeout", "600",
            "--shutdown-seconds", "3", "--no-history");
        using var stuck = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stuck.ConnectAsync("127.0.0.1", server.Port);
        stuck.Send("NICK stuck\n"u8);
        await using var talker = await TestClient.ConnectAsync(server.Port);
        talker.Send("NICK talker\n");
        await talker.ExpectAsync("JOIN #lobby talker");
        string text = new('x', 60_000);
        for (int i = 1; i <= 200; i++) // 12 MB: more than the socket buffers hold, far less than the outbox
        {
            talker.Send($"SEND #lobby {text.Length}\n{text}\n");
            await talker.ExpectAsync(f => f.Verb == TcpChat.Protocol.Verb.Msg && f.Arg(2) == i.ToString(), $"echo {i}");
        }

        var clock = Stopwatch.StartNew();
        server.Signal(15);
        await talker.ExpectClosedAsync();
        int code = await server.WaitForExitAsync(TimeSpan.FromSeconds(120));
        // It waited for the stuck client (not at once), and no longer than the cap (the close timeout is 600 s).
        Assert.Equal(0, code);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2.9), $"exited {clock.Elapsed.TotalSeconds:0.0} s after SIGTERM: did not wait");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(100), $"exited {clock.Elapsed.TotalSeconds:0.0} s after SIGTERM");
    }
}
