using Microsoft.Extensions.Hosting;
using TcpChat.Server;

namespace TcpChat.Tests.Infrastructure;

/// <summary>The server's real host, started inside the test process on a free loopback port.</summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessServer(IHost host, int port)
    {
        _host = host;
        Port = port;
    }

    public int Port { get; }

    /// <param name="flags">Command-line flags, e.g. <c>"--outbox-bytes", "4096"</c>.</param>
    public static async Task<InProcessServer> StartAsync(params string[] flags)
    {
        var host = ServerHost.Build(["--port", "0", "--bind", "127.0.0.1", "--server-name", "test", .. flags]);
        var problems = ServerHost.Problems(host);
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(flags));
        await host.StartAsync();
        return new InProcessServer(host, ServerHost.EndpointOf(host)!.Port);
    }

    public Task<TestClient> ConnectAsync() => TestClient.ConnectAsync(Port);

    /// <summary>Connects and registers <paramref name="nick"/>, waiting until the default room's NAMES arrives.</summary>
    public async Task<TestClient> RegisterAsync(string nick)
    {
        var client = await TestClient.ConnectAsync(Port);
        await client.ExpectAsync("HELLO");
        client.Send($"NICK {nick}\n");
        await client.ExpectAsync("NICK * ");
        await client.ExpectAsync("NAMES #lobby");
        return client;
    }

    public Task StopAsync() => _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(cts.Token);
        _host.Dispose();
    }
}
