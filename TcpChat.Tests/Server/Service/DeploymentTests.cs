using System.Globalization;
using System.Text.RegularExpressions;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Service;

/// <summary>The systemd unit and the publish script, checked the way an operator would use them.</summary>
public sealed class DeploymentTests
{
    private static string UnitForVerify()
    {
        // systemd-analyze checks that ExecStart's binary exists; point it at one that does on any machine.
        string unit = File.ReadAllText(Repo.PathOf("deploy", "tcpchat.service"))
            .Replace("/opt/tcpchat/tcpchat-server", "/usr/bin/env")
            .Replace("WorkingDirectory=/opt/tcpchat", "WorkingDirectory=/tmp");
        string dir = Path.Combine(Path.GetTempPath(), "tcpchat-unit-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "tcpchat.service");
        File.WriteAllText(path, unit);
        return path;
    }

    [Fact]
    public async Task UnitFilePassesSystemdAnalyzeVerify()
    {
        Assert.True(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze is missing: ./run-tests.sh installs the systemd package");
        var (code, stdout, stderr) = await Run.CommandAsync("systemd-analyze", ["verify", UnitForVerify()]);
        Assert.True(code == 0 && stderr.Trim().Length == 0, $"exit {code}\n{stdout}\n{stderr}");
    }

    [Fact]
    public async Task UnitFileIsHardened()
    {
        string unit = await File.ReadAllTextAsync(Repo.PathOf("deploy", "tcpchat.service"));
        foreach (string line in new[]
        {
            "Type=notify", "DynamicUser=yes", "StateDirectory=tcpchat", "Restart=on-failure", "ProtectSystem=strict",
            "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
            "Environment=DOTNET_BUNDLE_EXTRACT_BASE_DIR=",
        })
        {
            Assert.Contains("\n" + line, unit);
        }
        var (_, stdout, stderr) = await Run.CommandAsync("systemd-analyze", ["security", "--offline=true", UnitForVerify()]);
        var exposure = Regex.Match(stdout + stderr, @"Overall exposure level for tcpchat\.service: ([0-9.]+)");
        Assert.True(exposure.Success, stdout + stderr);
        Assert.True(double.Parse(exposure.Groups[1].Value, CultureInfo.InvariantCulture) <= 3.5,
            $"exposure {exposure.Groups[1].Value}: {stdout}");
    }

    [Fact]
    public async Task PublishScriptMakesARunnableFolderWithTheUnit()
    {
        string output = Path.Combine(Path.GetTempPath(), "tcpchat-publish-" + Guid.NewGuid().ToString("N")[..8]);
        var (code, stdout, stderr) = await Run.CommandAsync("bash", [Repo.PathOf("deploy", "publish.sh"), output], TimeSpan.FromMinutes(10));
        Assert.True(code == 0, stdout + stderr);
        Assert.True(File.Exists(Path.Combine(output, "tcpchat.service")));
        Assert.True(File.Exists(Path.Combine(output, "appsettings.json")));
        var (helpCode, help, _) = await Run.CommandAsync(Path.Combine(output, "tcpchat-server"), ["--help"]);
        Assert.Equal(0, helpCode);
        Assert.Contains("--port", help);
        Directory.Delete(output, recursive: true);
    }
}
