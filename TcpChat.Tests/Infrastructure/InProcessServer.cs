using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TcpChat.Server;

namespace TcpChat.Tests.Infrastructure;

/// <summary>The server's real host, started inside the test process on a free loopback port.</summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string? _ownDataDirectory;

    private InProcessServer(IHost host, int port, string? ownDataDirectory)
    {
        _host = host;
        Port = port;
        _ownDataDirectory = ownDataDirectory;
    }

    public int Port { get; }

    /// <summary>The second, TLS port (--tls-port), or 0.</summary>
    public int TlsPort => ServerHost.TlsEndpointOf(_host)?.Port ?? 0;

    /// <summary>The host's services, for a test that needs to reach inside.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// Flags every test server starts with, before the test's own (which win): limits far above the defaults for
    /// per-address connections, flood control and new accounts. The tests connect from one address (loopback), many
    /// times and fast: 50 clients sending 20 frames at once, 500 chaos clients, 10,000 mutation cases, the bench's
    /// runs. The defaults are not weakened for it: tests that cross a limit give it again, at its default or lower
    /// (Server/Security/). <see cref="ServerProcess"/> passes the same.
    /// </summary>
    public static readonly string[] GenerousLimits =
    [
        "--max-connections-per-address", "1000000",
        "--flood-burst", "1000000",
        "--flood-rate", "1000000",
        "--max-new-accounts-per-address", "1000000",
        // No memory trim: it is a blocking, compacting collection of the whole process, and the test process holds
        // every in-process server of the run (MemoryTrimTests turns it on for its own server, alone).
        "--trim-memory-after", "0",
    ];

    /// <param name="flags">Command-line flags, e.g. <c>"--outbox-bytes", "4096"</c>; they win over <see cref="GenerousLimits"/>.</param>
    public static Task<InProcessServer> StartAsync(params string[] flags) => StartAsync(null, flags);

    /// <summary>
    /// Unless <paramref name="flags"/> give <c>--data-dir</c> or <c>--no-history</c>, the server keeps its history in a
    /// new temporary directory, removed on dispose.
    /// </summary>
    /// <param name="services">Changes to the server's services, e.g. a clock the test moves.</param>
    public static async Task<InProcessServer> StartAsync(Action<IServiceCollection>? services, params string[] flags)
    {
        string? ownData = null;
        if (!flags.Contains("--data-dir") && !flags.Contains("--no-history"))
        {
            ownData = Directory.CreateTempSubdirectory("tcpchat-server-").FullName;
            flags = [.. flags, "--data-dir", ownData];
        }
        var host = ServerHost.Build(["--port", "0", "--bind", "127.0.0.1", "--server-name", "test", .. GenerousLimits, .. flags],
            services: services);
        try
        {
            var problems = ServerHost.Problems(host);
            if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(flags));
            await host.StartAsync();
            return new InProcessServer(host, ServerHost.EndpointOf(host)!.Port, ownData);
        }
        catch
        {
            // A start that failed (a taken port, say) leaves no listener, database or directory behind.
            try { await host.StopAsync(CancellationToken.None); } catch (Exception) { /* the start's error is the one to report */ }
            host.Dispose();
            if (ownData is not null && Directory.Exists(ownData)) Directory.Delete(ownData, recursive: true);
            throw;
        }
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
        if (_ownDataDirectory is not null) Directory.Delete(_ownDataDirectory, recursive: true);
    }
}
