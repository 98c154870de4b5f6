using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Security;

/// <summary>A private server (Security:ServerPassword): PASS before anything but PING, PONG and QUIT.</summary>
public sealed class ServerPasswordTests
{
    private const string ServerPassword = "friends-only-2026";

    [Fact]
    public async Task EverythingButPassPingPongAndQuitNeedsTheServerPasswordFirst()
    {
        await using var server = await InProcessServer.StartAsync("--server-password", ServerPassword, "--password-failure-delay", "0");
        await using var client = await server.ConnectAsync();
        client.Send("NICK alice\nJOIN #x\nPING 1\n");
        Assert.Equal("ERR NEED_PASS NICK :this server needs a password first: PASS <password>", (await client.ExpectAsync("ERR")).ToString());
        Assert.StartsWith("ERR NEED_PASS JOIN", (await client.NextAsync()).ToString());
        Assert.Equal("PONG 1", (await client.NextAsync()).ToString());

        client.Send("PASS not-the-password\n");
        Assert.Equal("ERR BAD_PASSWORD PASS :wrong server password", (await client.NextAsync()).ToString());

        client.Send($"PASS {ServerPassword}\nNICK alice\n"); // a right PASS gets no answer of its own
        Assert.Equal("NICK * alice", (await client.NextAsync()).ToString());
        client.Send($"PASS {ServerPassword}\nPASS anything-at-all\nSEND #lobby :in\n"); // PASS once accepted changes nothing
        Assert.Equal("in", (await client.ExpectAsync("MSG")).Text);
        Assert.DoesNotContain(client.Seen.SkipWhile(f => f.Verb != Verb.Nick), f => f.Verb == Verb.Err);
    }

    [Fact]
    public async Task WrongServerPasswordsCountLikeAnyWrongPassword()
    {
        await using var server = await InProcessServer.StartAsync("--server-password", ServerPassword, "--password-failure-delay", "0",
            "--max-password-failures", "2");
        await using var client = await server.ConnectAsync();
        client.Send("PASS guess-one-wrong\nPASS guess-two-wrong\n");
        var frames = await client.ExpectClosedAsync();
        Assert.Equal(["ERR BAD_PASSWORD PASS :wrong server password", "ERR RATE_LIMITED PASS :2 wrong passwords", "BYE :2 wrong passwords"],
            frames.Where(f => f.Verb != Verb.Hello).Select(f => f.ToString()));
    }

    [Fact]
    public async Task WithoutAServerPasswordPassIsIgnored()
    {
        await using var server = await InProcessServer.StartAsync();
        await using var client = await server.ConnectAsync();
        client.Send("PASS whatever-it-is\nNICK alice\n");
        Assert.Equal("NICK * alice", (await client.ExpectAsync(f => f.Verb is Verb.Nick or Verb.Err, "NICK")).ToString());
    }
}
