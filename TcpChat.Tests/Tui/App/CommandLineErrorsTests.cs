using TcpChat.Tui.App;

namespace TcpChat.Tests.Tui.App;

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
}
