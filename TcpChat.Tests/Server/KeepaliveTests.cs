using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server;

public sealed class KeepaliveTests
{
    [Fact]
    public async Task SilentClientGetsPingThenTimeoutWhenItDoesNotAnswer()
    {
        // 3 s: the watcher answers from its reader loop, and has 3 s to do it even on a loaded machine.
        await using var server = await InProcessServer.StartAsync("--ping", "3");
        await using var watcher = await server.RegisterAsync("watcher");
        watcher.AutoPong = true;
        await using var silent = await server.RegisterAsync("silent");
        await silent.ExpectAsync("PING");
        var last = await silent.ExpectClosedAsync();
        Assert.StartsWith("ERR TIMEOUT *", last[^2].ToString());
        Assert.Equal("BYE", last[^1].Verb.ToWire());
        Assert.Equal("QUIT silent :ping timeout", (await watcher.ExpectAsync("QUIT silent")).ToString());
    }

    [Fact]
    public async Task ClientThatAnswersPingStaysConnected()
    {
        // The client answers each PING from its reader loop as the PING arrives (not from the test's thread, which a
        // loaded machine may hold up), and has a whole period (4 s) to do it; a timeout would need 8 s of silence.
        // Three PINGs come 4 s apart: the third about 12 s in, well past the 8 s at which a client that did not answer
        // would have been cut (ERR TIMEOUT instead of the third PING), so the test tells the two apart.
        await using var server = await InProcessServer.StartAsync("--ping", "4");
        await using var client = await server.RegisterAsync("alive");
        client.AutoPong = true;
        for (int i = 0; i < 3; i++)
        {
            var ping = await client.ExpectAsync(f => f.Verb is Verb.Ping or Verb.Err, "PING");
            Assert.Equal(Verb.Ping, ping.Verb);
        }
        client.Send("SEND #lobby :still here\n");
        Assert.Equal("still here", (await client.ExpectAsync("MSG")).Text);
    }
}
