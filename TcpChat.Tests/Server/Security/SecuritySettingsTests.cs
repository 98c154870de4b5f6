using TcpChat.Server;
using TcpChat.Server.Security;

namespace TcpChat.Tests.Server.Security;

/// <summary>Every limit of the hardening work has a default, a key, a flag and a range.</summary>
public sealed class SecuritySettingsTests
{
    [Fact]
    public void DefaultsAreTheDocumentedOnes()
    {
        var d = new SecurityOptions();
        Assert.Equal(10, d.RegistrationTimeoutSeconds);
        Assert.Equal(512, d.UnregisteredMaxLine);
        Assert.Equal(512, d.UnregisteredMaxPayload);
        Assert.Equal(20, d.FloodBurst);
        Assert.Equal(5, d.FloodRate);
        Assert.Equal(20, d.FloodMaxLagSeconds);
        Assert.Equal(20, d.MaxConnectionsPerAddress);
        Assert.Equal("", d.ServerPassword);
        Assert.Equal(5, d.MaxPasswordFailures);
        Assert.Equal(20, d.MaxPasswordFailuresPerAddress);
        Assert.Equal(60, d.PasswordFailureForgivenSeconds);
        Assert.Equal(1, d.PasswordFailureDelaySeconds);
        Assert.Equal(5, d.MaxNewAccountsPerAddressPerHour);
        Assert.Equal(30, new ChatOptions().WriteTimeoutSeconds);
        Assert.Empty(d.Validate());
    }

    [Theory]
    [InlineData("--registration-timeout", "0", "Security:RegistrationTimeoutSeconds")]
    [InlineData("--unregistered-max-line", "10", "Security:UnregisteredMaxLine")]
    [InlineData("--unregistered-max-payload", "0", "Security:UnregisteredMaxPayload")]
    [InlineData("--flood-burst", "0", "Security:FloodBurst")]
    [InlineData("--flood-rate", "0", "Security:FloodRate")]
    [InlineData("--flood-max-lag", "-1", "Security:FloodMaxLagSeconds")]
    [InlineData("--max-connections-per-address", "0", "Security:MaxConnectionsPerAddress")]
    [InlineData("--server-password", "two words", "Security:ServerPassword")]
    [InlineData("--max-password-failures", "0", "Security:MaxPasswordFailures")]
    [InlineData("--max-password-failures-per-address", "0", "Security:MaxPasswordFailuresPerAddress")]
    [InlineData("--password-failure-forgiven", "0", "Security:PasswordFailureForgivenSeconds")]
    [InlineData("--password-failure-delay", "61", "Security:PasswordFailureDelaySeconds")]
    [InlineData("--max-new-accounts-per-address", "0", "Security:MaxNewAccountsPerAddressPerHour")]
    [InlineData("--write-timeout", "0", "WriteTimeoutSeconds")]
    public void SettingOutOfItsRangeIsOneClearProblem(string flag, string value, string named)
    {
        using var host = ServerHost.Build(["--port", "0", "--no-history", flag, value]);
        var problems = ServerHost.Problems(host);
        Assert.Single(problems);
        Assert.StartsWith(named, problems[0]);
    }

    [Fact]
    public void EveryFlagOfTheSecuritySectionNamesAKeyThatExists()
    {
        var keys = ServerHost.Flags.Values.Select(f => f.Key).Where(k => k.StartsWith("Security:")).ToList();
        Assert.Equal(typeof(SecurityOptions).GetProperties().Length, keys.Count);
        foreach (string key in keys) Assert.NotNull(typeof(SecurityOptions).GetProperty(key["Security:".Length..]));
    }
}
