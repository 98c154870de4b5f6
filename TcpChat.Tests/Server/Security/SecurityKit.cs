using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using TcpChat.Protocol;
using TcpChat.Server.Security;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Security;

/// <summary>What the security tests share: the real defaults, and a look inside the server's guard.</summary>
internal static class SecurityKit
{
    /// <summary>The server's own defaults, which <see cref="InProcessServer.GenerousLimits"/> raises for the other tests.</summary>
    public static readonly SecurityOptions Defaults = new();

    /// <summary>Flags that put back the defaults <see cref="InProcessServer.GenerousLimits"/> raised: a test that crosses them.</summary>
    public static string[] DefaultLimits =>
    [
        "--max-connections-per-address", Text(Defaults.MaxConnectionsPerAddress),
        "--flood-burst", Text(Defaults.FloodBurst),
        "--flood-rate", Text(Defaults.FloodRate),
        "--max-new-accounts-per-address", Text(Defaults.MaxNewAccountsPerAddressPerHour),
    ];

    public static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

    public static ConnectionGuard Guard(this InProcessServer server) => server.Services.GetRequiredService<ConnectionGuard>();

    /// <summary>Connects, waits for HELLO, says <c>NICK</c> (with a password when given) and waits for the default room's NAMES.</summary>
    public static async Task<TestClient> LoginAsync(this InProcessServer server, string nick, string? password = null)
    {
        var client = await server.ConnectAsync();
        await client.ExpectAsync("HELLO");
        client.Send(password is null ? $"NICK {nick}\n" : $"NICK {nick} {password}\n");
        await client.ExpectAsync(f => f.ToString().StartsWith("NICK * ", StringComparison.Ordinal) || f.Verb == Verb.Err, "NICK * or ERR");
        if (client.Seen[^1].Verb == Verb.Err) throw new Xunit.Sdk.XunitException($"could not log in as {nick}: {client.Seen[^1]}");
        await client.ExpectAsync("NAMES #lobby");
        return client;
    }

    /// <summary>Says <c>REGISTER</c> and waits for its answer, <c>REGISTER &lt;nick&gt;</c>.</summary>
    public static async Task RegisterAsync(this TestClient client, string nick, string password)
    {
        client.Send($"REGISTER {password}\n");
        Assert.Equal($"REGISTER {nick}", (await client.ExpectAsync(f => f.Verb is Verb.Register or Verb.Err, "REGISTER")).ToString());
    }

    /// <summary>The next ERR or NICK answer, and how long it took to come.</summary>
    public static async Task<(Received Answer, TimeSpan After)> AnswerToNickAsync(this TestClient client)
    {
        var clock = Stopwatch.StartNew();
        var answer = await client.ExpectAsync(f => f.Verb is Verb.Err or Verb.Nick, "NICK or ERR");
        return (answer, clock.Elapsed);
    }
}
