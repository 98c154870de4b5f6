using TcpChat.Tests.Infrastructure;
using TcpChat.Tui.App;

namespace TcpChat.Tests.Tui.App;

/// <summary>tcpchat refuses a flag it does not know in one line naming the nearest known one, exit code 2 (issue 12).</summary>
public class CommandLineErrorsTests
{
    private static readonly string[] Names = ["--host", "--port", "--nick", "--room", "--no-bell", "--mouse", "--tls", "--tls-insecure", "--config", "--help"];

    [Theory]
    [InlineData("--nikc", "--nick")]   // two letters swapped
    [InlineData("--prot", "--port")]
    [InlineData("--nick2", "--nick")]
    [InlineData("--tsl", "--tls")]
    [InlineData("--no-bel", "--no-bell")]
    [InlineData("--conifg", "--config")]
    [InlineData("--xyzzy-plugh", null)] // nothing close: no suggestion
    public void TheNearestKnownFlagIsATypoAway(string flag, string? expected) =>
        Assert.Equal(expected, CommandLineErrors.Nearest(flag, Names));

    [Theory]
    [InlineData("--nikc", "tcpchat: unknown option '--nikc' (did you mean --nick?)")]
    [InlineData("--prot", "tcpchat: unknown option '--prot' (did you mean --port?)")]
    [InlineData("--no-bel", "tcpchat: unknown option '--no-bel' (did you mean --no-bell?)")]
    [InlineData("--frobnicate", "tcpchat: unknown option '--frobnicate' (tcpchat --help lists them)")]
    public async Task AnUnknownFlagIsRefusedInOneLineNamingTheNearestKnownOne(string flag, string expected)
    {
        // Port 1: were the flag taken, the client would try to connect and fail with another message and code 1.
        var (code, stdout, stderr) = await Run.CommandAsync("dotnet",
            [ClientBinary.Dll, flag, "x", "--port", "1"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Equal(expected, stderr.Trim());
        Assert.Equal("", stdout.Trim());
    }
}
