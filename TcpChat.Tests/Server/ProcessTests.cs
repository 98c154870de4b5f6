using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server;

/// <summary>The server binary as an operator runs it: signals, exit codes, bad settings.</summary>
public sealed class ProcessTests
{
    [Theory]
    [InlineData(15)] // SIGTERM, as systemd stops it
    [InlineData(2)]  // SIGINT, Ctrl+C
    public async Task SignalSaysByeToEveryClientAndExitsZero(int signal)
    {
        // As from a terminal: SIGINT at its default. A process started in the background by a non-interactive shell (as
        // a CI job may start these tests) inherits SIGINT ignored, POSIX's rule for background jobs, and the runtime
        // keeps it ignored; the server would then not see Ctrl+C, rightly.
        await using var server = await ServerProcess.StartAsync(["env", "--default-signal=INT"], new Dictionary<string, string>());
        await using var alice = await TestClient.ConnectAsync(server.Port);
        alice.Send("NICK alice\n");
        await alice.ExpectAsync("NAMES #lobby");
        await using var bob = await TestClient.ConnectAsync(server.Port);
        bob.Send("NICK bob\n");
        await alice.ExpectAsync("JOIN #lobby bob");
        await bob.ExpectAsync("NAMES #lobby");

        server.Signal(signal);
        foreach (var client in new[] { alice, bob })
        {
            List<Received> last;
            try
            {
                last = await client.ExpectClosedAsync();
            }
            catch (Xunit.Sdk.XunitException e)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}\nexited: {server.HasExited}; the server's log:\n{server.Log}");
            }
            Assert.Equal("ERR SHUTDOWN * :server shutting down", last[^2].ToString());
            Assert.Equal("BYE :server shutting down", last[^1].ToString());
        }
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData("--port", "99999", "Port must be 0-65535")]
    [InlineData("--bind", "nowhere", "Bind must be an IP address")]
    [InlineData("--max-line", "10", "MaxLine must be")]
    [InlineData("--default-room", "lobby", "DefaultRoom must be a room name")]
    [InlineData("--ping", "soon", "bad setting")]
    [InlineData("--outbox-bytes", "100000", "OutboxBytes must be at least 2 x (MaxPayload + MaxLine) = 139264")]
    [InlineData("--trim-memory-after", "-1", "TrimMemoryAfterSeconds must be 0 (never) to 86400")]
    [InlineData("--trim-memory-max-frames", "-5", "TrimMemoryMaxFramesPerSecond must be 0 (no wait) or more")]
    [InlineData("--trim-memory-max-wait", "-1", "TrimMemoryMaxWaitSeconds must be 0 to 86400")]
    [InlineData("--outbox-total-bytes", "1048575", "OutboxTotalBytes must be at least OutboxBytes = 1048576")]
    [InlineData("--big-room-members", "1", "BigRoomMembers must be at least 2")]
    [InlineData("--member-count-seconds", "-1", "MemberCountSeconds must be 0 to 3600")]
    [InlineData("--names-page", "0", "NamesPage must be 1-10000")]
    [InlineData("--inline-socket-completions", "sometimes", "InlineSocketCompletions must be auto, true or false")]
    public async Task BadSettingIsOneClearLineAndExitCodeTwo(string flag, string value, string expected)
    {
        var (code, output) = await RunServerAsync(flag, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, output);
        Assert.Single(output.Trim().Split('\n'));
    }

    [Fact]
    public async Task HelpListsEverySetting()
    {
        var (code, output) = await RunServerAsync("--help");
        Assert.Equal(0, code);
        foreach (var flag in TcpChat.Server.ServerHost.Flags.Keys) Assert.Contains(flag, output);
    }

    [Fact]
    public async Task TakenPortIsOneClearLineAndNonZeroExit()
    {
        await using var first = await ServerProcess.StartAsync();
        var (code, output) = await RunServerAsync("--port", first.Port.ToString(), "--bind", "127.0.0.1");
        Assert.Equal(1, code);
        // One line, no stack trace and no "fail" log line before it (the trace is logged at debug level only).
        Assert.Equal($"tcpchat-server: cannot listen on 127.0.0.1:{first.Port}: address already in use", output.Trim());
    }

    [Theory]
    [InlineData("--prot", "7000", "unknown flag --prot (did you mean --port?)")]
    [InlineData("--max-conections", "10", "unknown flag --max-conections (did you mean --max-connections?)")]
    [InlineData("--Chat:Prot=7000", null, "unknown flag --Chat:Prot")]
    [InlineData("--frobnicate", "yes", "unknown flag --frobnicate")]
    [InlineData("7000", null, "unexpected argument '7000'")]
    [InlineData("--port", null, "--port needs a value")]
    public async Task UnknownFlagIsOneLineNamingItAndExitCodeTwo(string flag, string? value, string expected)
    {
        var (code, output) = await RunServerAsync(value is null ? [flag] : [flag, value]);
        Assert.Equal(2, code);
        Assert.Equal($"tcpchat-server: {expected} (see --help)", output.Trim());
    }

    [Fact]
    public async Task SettingKeysAndFlagsWithEqualsAreKnown()
    {
        // --Section:Key=value is the configuration library's own form; --flag=value works like --flag value.
        await using var server = await ServerProcess.StartAsync("--Chat:ServerName=box-1", "--ping=30", "--no-history");
        await using var client = await TestClient.ConnectAsync(server.Port);
        var hello = await client.ExpectAsync("HELLO");
        Assert.Equal("box-1", hello.Arg(1));
        Assert.Contains("ping=30", hello.Args);
    }

    /// <summary>Runs the server binary to its end; killed (with its children) if it has not ended within 60 s.</summary>
    private static async Task<(int Code, string Output)> RunServerAsync(params string[] args)
    {
        var (code, stdout, stderr) = await Run.CommandAsync("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "tcpchat-server.dll"), .. args], TimeSpan.FromSeconds(60));
        return (code, stdout + stderr);
    }
}
