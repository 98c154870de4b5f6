using System.Net.Sockets;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Service;

/// <summary>Settings come from appsettings.json, then a --config file, then the environment, then flags.</summary>
public sealed class ConfigurationTests
{
    private static async Task<string> HelloAsync(ServerProcess server)
    {
        await using var client = await TestClient.ConnectAsync(server.Port);
        return (await client.ExpectAsync("HELLO")).ToString();
    }

    [Fact]
    public async Task FileIsOverriddenByEnvironmentWhichIsOverriddenByFlags()
    {
        string file = Path.Combine(Path.GetTempPath(), $"tcpchat-settings-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{ "Chat": { "ServerName": "from-file", "PingSeconds": 33, "MaxLine": 1000 } }""");
        try
        {
            await using (var fileOnly = await ServerProcess.StartAsync("--config", file))
                Assert.StartsWith("HELLO tcpchat/1 from-file max_line=1000 max_payload=65536 ping=33", await HelloAsync(fileOnly));

            var environment = new Dictionary<string, string> { ["Chat__ServerName"] = "from-env", ["Chat__PingSeconds"] = "44" };
            await using (var withEnv = await ServerProcess.StartAsync(environment, "--config", file))
                Assert.StartsWith("HELLO tcpchat/1 from-env max_line=1000 max_payload=65536 ping=44", await HelloAsync(withEnv));

            await using (var withFlags = await ServerProcess.StartAsync(environment, "--config", file, "--server-name", "from-flag"))
                Assert.StartsWith("HELLO tcpchat/1 from-flag max_line=1000 max_payload=65536 ping=44", await HelloAsync(withFlags));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task MissingSettingsFileIsOneClearLineAndExitCodeTwo()
    {
        var (code, stdout, stderr) = await Run.CommandAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "tcpchat-server.dll"), "--config", "/nonexistent/tcpchat.json"]);
        Assert.Equal(2, code);
        Assert.Equal("tcpchat-server: settings file /nonexistent/tcpchat.json does not exist (see --help)", (stdout + stderr).Trim());
    }

    [Fact]
    public async Task SecondSignalExitsAtOnceWhileTheFirstIsStillWaitingForAClient()
    {
        // A client that never reads, with room to spare in its outbox: a graceful shutdown waits for it (10 minutes).
        await using var server = await ServerProcess.StartAsync("--outbox-bytes", "67108864", "--close-timeout", "600",
            "--shutdown-seconds", "600", "--no-history");
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

        server.Signal(15);
        await talker.ExpectClosedAsync(); // the graceful part has begun: readers got BYE
        Assert.False(server.HasExited);
        server.Signal(15);
        Assert.Equal(130, await server.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        Assert.Contains("second SIGTERM, exiting without waiting", server.Log);
    }
}
