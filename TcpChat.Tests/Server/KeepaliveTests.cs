using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server;

public sealed class KeepaliveTests
{
    [Fact]
    public async Task SilentClientGetsPingThenTimeoutWhenItDoesNotAnswer()
    {
        await using var server = await InProcessServer.StartAsync("--ping", "1");
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
        // 2 s: the client's answer may take a while on a loaded machine; a timeout would need 4 s of silence.
        await using var server = await InProcessServer.StartAsync("--ping", "2");
        await using var client = await server.RegisterAsync("alive");
        for (int i = 0; i < 3; i++)
        {
            var ping = await client.ExpectAsync(f => f.Verb is Verb.Ping or Verb.Err, "PING");
            Assert.Equal(Verb.Ping, ping.Verb);
            client.Send($"PONG {ping.Arg(0)}\n");
        }
        client.Send("SEND #lobby :still here\n");
        Assert.Equal("still here", (await client.ExpectAsync("MSG")).Text);
    }
}
