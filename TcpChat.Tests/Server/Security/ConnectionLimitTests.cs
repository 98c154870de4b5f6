using System.Net;
using TcpChat.Protocol;
using TcpChat.Server.Security;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;

namespace TcpChat.Tests.Server.Security;

/// <summary>
/// How many connections one address may hold (Security:MaxConnectionsPerAddress) and the server as a whole
/// (Chat:MaxConnections): beyond them, one clear ERR and a close, and no HELLO.
/// </summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task ConnectionBeyondTheDefaultPerAddressLimitOfTwentyGetsTooManyConnectionsLoopbackIncluded()
    {
        await using var server = await InProcessServer.StartAsync(SecurityKit.DefaultLimits);
        int limit = SecurityKit.Defaults.MaxConnectionsPerAddress;
        Assert.Equal(20, limit);
        var held = new List<TestClient>();
        for (int i = 0; i < limit; i++)
        {
            held.Add(await server.ConnectAsync());
            await held[^1].ExpectAsync("HELLO");
        }

        await using var extra = await server.ConnectAsync();
        var frames = await extra.ExpectClosedAsync();

        string text = $"too many connections from 127.0.0.1: at most {limit} at once";
        Assert.Equal([$"ERR TOO_MANY_CONNECTIONS * :{text}", $"BYE :{text}"], frames.Select(f => f.ToString()));
        Assert.Equal(1, server.Guard().Metrics.RefusedConnections.Total);
        foreach (var client in held) await client.DisposeAsync();
    }

    [Fact]
    public async Task PlaceFreedByAClosedConnectionCanBeTakenAgain()
    {
        await using var server = await InProcessServer.StartAsync("--max-connections-per-address", "2");
        var hub = server.Hub();
        await using var first = await server.RegisterAsync("first");
        var second = await server.RegisterAsync("second");
        await using (var third = await server.ConnectAsync())
            Assert.Equal(Verb.Err, (await third.NextAsync()).Verb);

        second.Send("QUIT\n");
        await second.ExpectClosedAsync();
        await second.DisposeAsync();
        await ServerInsight.WaitUntilAsync(() => hub.ConnectionCount == 1, "the second connection to be gone");

        await using var again = await server.RegisterAsync("again");
        Assert.DoesNotContain(again.Seen, f => f.Verb == Verb.Err);
    }

    [Fact]
    public async Task EachAddressHasAPlaceOfItsOwn()
    {
        await using var server = await InProcessServer.StartAsync("--max-connections-per-address", "1");
        await using var one = await TestClient.ConnectAsync(server.Port, from: "127.0.0.1");
        await one.ExpectAsync("HELLO");
        await using var two = await TestClient.ConnectAsync(server.Port, from: "127.0.0.2");
        await two.ExpectAsync("HELLO");
        await using var oneAgain = await TestClient.ConnectAsync(server.Port, from: "127.0.0.1");
        Assert.StartsWith("ERR TOO_MANY_CONNECTIONS * :too many connections from 127.0.0.1", (await oneAgain.NextAsync()).ToString());
        Assert.False(two.Closed);
    }

    [Fact]
    public async Task ServerFullRefusesTheConnectionOverTheGlobalMaximum()
    {
        await using var server = await InProcessServer.StartAsync("--max-connections", "2");
        await using var a = await server.ConnectAsync();
        await a.ExpectAsync("HELLO");
        await using var b = await server.ConnectAsync();
        await b.ExpectAsync("HELLO");
        await using var c = await server.ConnectAsync();
        var frames = await c.ExpectClosedAsync();
        Assert.Equal(["ERR SERVER_FULL", "BYE"], frames.Select(f => string.Join(' ', f.ToString().Split(' ')[..(f.Verb == Verb.Err ? 2 : 1)])));
    }

    [Fact]
    public async Task AddressTableEmptiesWhenItsConnectionsAreGone()
    {
        await using var server = await InProcessServer.StartAsync();
        var guard = server.Guard();
        var clients = new List<TestClient>();
        foreach (string from in new[] { "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.3" })
        {
            clients.Add(await TestClient.ConnectAsync(server.Port, from: from));
            await clients[^1].ExpectAsync("HELLO");
        }
        Assert.Equal(3, guard.AddressCount);
        foreach (var client in clients) await client.DisposeAsync();
        await ServerInsight.WaitUntilAsync(() => guard.AddressCount == 0, "every address to be forgotten", () => $"{guard.AddressCount} left");
    }

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")] // IPv4 on a dual-stack socket
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64")] // one customer's /64: one address
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    [InlineData("::1", "::/64")]
    public void AnAddressIsAnIpv4AddressOrAnIpv6Slash64(string address, string key) =>
        Assert.Equal(key, ConnectionGuard.KeyOf(IPAddress.Parse(address)));
}
