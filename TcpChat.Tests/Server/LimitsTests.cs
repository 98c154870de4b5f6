using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server;

/// <summary>Limits set in configuration are announced in HELLO and enforced at exactly their value.</summary>
public sealed class LimitsTests
{
    [Fact]
    public async Task ConfiguredLineAndPayloadLimitsAreAnnouncedAndEnforcedAtTheirValue()
    {
        await using var server = await InProcessServer.StartAsync("--max-line", "100", "--max-payload", "50", "--ping", "30");
        await using var alice = await server.ConnectAsync();
        Assert.Equal("HELLO tcpchat/1 test max_line=100 max_payload=50 ping=30 history=100 names=200", (await alice.NextAsync()).ToString());
        alice.Send("NICK alice\n");
        await alice.ExpectAsync("NAMES #lobby");

        string fifty = new('a', 50);
        alice.Send($"SEND #lobby 50\n{fifty}\n");
        Assert.Equal(fifty, (await alice.ExpectAsync("MSG")).Text);
        string inline = "SEND #lobby :" + new string('b', 100 - "SEND #lobby :".Length); // exactly 100 bytes
        alice.Send(inline + "\r\n");
        Assert.Equal(100 - "SEND #lobby :".Length, (await alice.ExpectAsync("MSG")).Text!.Length);

        alice.Send("SEND #lobby 51\n");
        var last = await alice.ExpectClosedAsync();
        Assert.Equal("ERR TOO_LONG SEND :text of 51 bytes exceeds max_payload=50", last[^2].ToString());
    }

    [Fact]
    public async Task LineOneByteOverTheLimitIsRefused()
    {
        await using var server = await InProcessServer.StartAsync("--max-line", "100");
        await using var alice = await server.RegisterAsync("alice");
        alice.Send("SEND #lobby :" + new string('b', 101 - "SEND #lobby :".Length) + "\n");
        var last = await alice.ExpectClosedAsync();
        Assert.Equal("ERR TOO_LONG * :control line exceeds max_line=100 bytes", last[^2].ToString());
    }

    [Fact]
    public async Task DefaultRoomCanBeTurnedOff()
    {
        await using var server = await InProcessServer.StartAsync("--default-room", "");
        await using var alice = await server.ConnectAsync();
        alice.Send("NICK alice\nNAMES #lobby\n");
        Assert.Equal("NICK * alice", (await alice.ExpectAsync("NICK")).ToString());
        Assert.Equal(new Received(Verb.Names, ["#lobby"], "").ToString(), (await alice.NextAsync()).ToString());
    }

    [Fact]
    public async Task DefaultRoomIsConfigurable()
    {
        await using var server = await InProcessServer.StartAsync("--default-room", "#café");
        await using var alice = await server.ConnectAsync();
        alice.Send("NICK alice\n");
        Assert.Equal("JOIN #café alice", (await alice.ExpectAsync("JOIN")).ToString());
    }
}
