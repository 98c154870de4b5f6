using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Web;

/// <summary>Starting servers with a web port, and WebSocket users on them.</summary>
internal static class WebKit
{
    /// <summary>An in-process server with a web port on 127.0.0.1 (picked free), and <paramref name="flags"/>.</summary>
    public static Task<InProcessServer> StartAsync(params string[] flags) =>
        InProcessServer.StartAsync(["--web-port", "0", "--no-history", .. flags]);

    /// <summary>Connects over the WebSocket and registers <paramref name="nick"/>, waiting for the default room's NAMES and HISTORY.</summary>
    public static async Task<WsTestClient> RegisterWsAsync(this InProcessServer server, string nick, string? origin = null)
    {
        var client = await WsTestClient.ConnectAsync(server.WebPort, origin);
        await client.ExpectAsync("HELLO");
        await client.SendAsync($"NICK {nick}");
        await client.ExpectAsync("NICK * ");
        await client.ExpectAsync("NAMES #lobby");
        await client.ExpectAsync("HISTORY #lobby");
        return client;
    }
}
