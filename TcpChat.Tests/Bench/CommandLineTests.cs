using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Bench;

/// <summary>tcpchat-bench's command line, as a user types it: a word it does not know is refused in one line, exit 2.</summary>
public sealed class CommandLineTests
{
    private static Task<(int Code, string Stdout, string Stderr)> BenchAsync(params string[] args) =>
        Run.CommandAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "tcpchat-bench.dll"), .. args], TimeSpan.FromSeconds(60));

    [Theory]
    [InlineData(new[] { "fanout", "--prot", "7000" }, "tcpchat-bench fanout: unknown option --prot (did you mean --port?)")]
    [InlineData(new[] { "latency", "--recievers", "5" }, "tcpchat-bench latency: unknown option --recievers (did you mean --receivers?)")]
    [InlineData(new[] { "fanot" }, "tcpchat-bench: unknown command fanot (did you mean fanout?)")]
    [InlineData(new[] { "report", "--results", "r.jsonl", "--outt", "x.md" }, "tcpchat-bench report: unknown option --outt (did you mean --out?)")]
    [InlineData(new[] { "idle", "--zzzzzzzz" }, "tcpchat-bench idle: unknown option --zzzzzzzz")]
    public async Task UnknownWordIsOneLineNamingItAndTheNearestKnownOneAndExitCodeTwo(string[] args, string expected)
    {
        var (code, stdout, stderr) = await BenchAsync(args);
        Assert.Equal(2, code);
        Assert.Equal(expected, stderr.Trim());
        Assert.Empty(stdout); // no help text, no run
    }

    [Theory]
    [InlineData(new[] { "latency", "--targets", "127.0.0.1:7801,127.0.0.1" }, "tcpchat-bench latency: --targets: '127.0.0.1' is not host:port (e.g. 127.0.0.1:7801,127.0.0.1:7802; [::1]:7801 for IPv6)")]
    [InlineData(new[] { "fanout", "--targets", "127.0.0.1:7801", "--port", "7777" }, "tcpchat-bench fanout: give --targets or --host/--port, not both")]
    [InlineData(new[] { "fanout", "--system-pids", "12,x" }, "tcpchat-bench fanout: --system-pids: '12,x' is not a list of process ids (e.g. 1234,1240)")]
    public async Task BadTargetsAreRefusedInOneLineBeforeAnyConnection(string[] args, string expected)
    {
        var (code, stdout, stderr) = await BenchAsync(args);
        Assert.Equal(2, code);
        Assert.Equal(expected, stderr.Trim());
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task HelpIsStillHelp()
    {
        var (code, stdout, _) = await BenchAsync("fanout", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--receivers", stdout);
    }
}
