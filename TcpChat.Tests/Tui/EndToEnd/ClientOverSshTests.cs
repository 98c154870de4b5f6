using System.Diagnostics;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Tui.EndToEnd;

/// <summary>
/// The client as people use it on a shared box: over a real SSH session (OpenSSH's sshd and ssh -tt, a pty on the
/// far side, encryption in between), typed into from tmux, chatting with a plain-socket peer. sshd runs in inetd
/// mode (-i) as ssh's ProxyCommand, one per session, with a host key and a user key made for the test: a real
/// sshd with no port to find and nothing left listening afterwards.
/// </summary>
public sealed class ClientOverSshTests : IAsyncLifetime
{
    private const string Sshd = "/usr/sbin/sshd";
    private ServerProcess _server = null!;
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpchat-ssh-").FullName;

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task ChatsOverAnSshSession()
    {
        Assert.True(File.Exists(Sshd), "openssh-server is missing: ./run-tests.sh installs it");
        Directory.CreateDirectory("/run/sshd"); // sshd's privilege separation directory
        string hostKey = Path.Combine(_dir, "host_key"), userKey = Path.Combine(_dir, "user_key");
        await KeygenAsync(hostKey);
        await KeygenAsync(userKey);
        string authorized = Path.Combine(_dir, "authorized_keys");
        File.Copy(userKey + ".pub", authorized);
        string config = Path.Combine(_dir, "sshd_config");
        File.WriteAllText(config, $"""
            HostKey {hostKey}
            AuthorizedKeysFile {authorized}
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PermitRootLogin yes
            PidFile none
            LogLevel ERROR
            """);

        string dotnet = Environment.ProcessPath!; // the dotnet host running these tests, by full path (sshd resets PATH)
        string remote = $"LANG=C.UTF-8 exec {TmuxSession.Quote(dotnet)} {TmuxSession.Quote(ClientBinary.Dll)}"
            + $" --host 127.0.0.1 --port {_server.Port} --nick ana";
        string ssh = string.Join(' ',
            "ssh -tt -F /dev/null",
            "-i", TmuxSession.Quote(userKey),
            "-o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
            "-o", TmuxSession.Quote($"ProxyCommand={Sshd} -i -f {config}"),
            $"{Environment.UserName}@localhost",
            TmuxSession.Quote(remote));

        await using var tmux = await TmuxSession.StartAsync(ssh + "; echo \"ssh exit=$?\"; sleep 600");
        await tmux.WaitForTextAsync("ana joined #lobby", TimeSpan.FromSeconds(90));
        await using var bob = await TestClient.ConnectAsync(_server.Port);
        bob.AutoPong = true;
        bob.Send("NICK bob\n");
        await bob.ExpectAsync("NAMES #lobby");
        await tmux.WaitForTextAsync("bob joined #lobby");

        await tmux.TypeAsync("olá bob, via ssh 漢字");
        await tmux.PressAsync("Enter");
        Assert.Equal("olá bob, via ssh 漢字", (await bob.ExpectAsync("MSG #lobby ana")).Text);
        bob.Send("SEND #lobby :oi ana 👍\n");
        await tmux.WaitForTextAsync("bob: oi ana 👍");

        // Alt+digit then text in one write, as SSH delivers fast typing.
        await tmux.PressAsync("M-1", "h", "i");
        await tmux.WaitForAsync(s => s.Split('\n')[0].Contains("| server") && s.Contains("[server] hi"), "the server tab with 'hi'");

        await tmux.PressAsync("C-u");
        await tmux.TypeAsync("/quit bye");
        await tmux.PressAsync("Enter");
        Assert.Equal("QUIT ana :bye", (await bob.ExpectAsync(f => f.Verb == Verb.Quit, "QUIT ana")).ToString());
        await tmux.WaitForTextAsync("ssh exit=0");
    }

    private static async Task KeygenAsync(string path)
    {
        var info = new ProcessStartInfo("ssh-keygen") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-q", "-t", "ed25519", "-N", "", "-f", path }) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
