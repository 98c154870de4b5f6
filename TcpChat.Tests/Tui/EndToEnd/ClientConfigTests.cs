using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Tui.EndToEnd;

/// <summary>
/// Where the client's settings come from, as README says: $XDG_CONFIG_HOME/tcpchat/config, flags over the file,
/// a registered nick's password from <c>password =</c> or $TCPCHAT_PASSWORD. The real binary in tmux.
/// </summary>
public sealed class ClientConfigTests : IAsyncLifetime
{
    private ServerProcess _server = null!;
    private readonly string _home = Directory.CreateTempSubdirectory("tcpchat-config-").FullName;

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    private string WriteConfig(string text)
    {
        string dir = Path.Combine(_home, "tcpchat");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "config");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task TheFileUnderXdgConfigHomeIsReadAndFlagsWinOverIt()
    {
        WriteConfig($"host = 127.0.0.1\nport = {_server.Port}\nnick = Conceição\n# a comment\nrooms = #rust #café\n");
        string[] env = [$"XDG_CONFIG_HOME={_home}"];
        await using (var fromFile = await TmuxSession.StartAsync(TmuxSession.ClientCommand(), 100, 30, env))
        {
            string screen = await fromFile.WaitForAsync(s => s.Contains("Conceição joined #café") && s.Contains("4:#café"), "the file's nick and rooms");
            Assert.Contains("3:#rust", screen);
        }
        await using var flags = await TmuxSession.StartAsync(TmuxSession.ClientCommand("--nick", "João", "--room", "#flag"), 100, 30, env);
        string withFlags = await flags.WaitForTextAsync("João joined #flag"); // the flags' nick and room, the file's host and port
        Assert.DoesNotContain("#rust", withFlags);
        Assert.Contains("| João |", withFlags.Split('\n')[0]);
    }

    [Fact]
    public async Task ARegisteredNickTakesItsPasswordFromTheEnvironmentOrTheFile()
    {
        await using (var owner = await TestClient.ConnectAsync(_server.Port))
        {
            owner.Send("NICK dono\nREGISTER s3cret-pass\n");
            await owner.ExpectAsync("REGISTER dono");
            owner.Send("QUIT\n");
            await owner.ExpectAsync("BYE");
        }
        WriteConfig(""); // no file settings: nothing but what each case gives
        string[] env = [$"XDG_CONFIG_HOME={_home}"];
        string[] args = ["--host", "127.0.0.1", "--port", _server.Port.ToString(), "--nick", "dono"];

        await using (var none = await TmuxSession.StartAsync(TmuxSession.ClientCommand(args), 100, 30, env))
            await none.WaitForAsync(s => s.Split('\n')[0].Contains("| dono_ |"), "the next nick, dono_"); // without the password the nick is refused

        await using (var fromEnv = await TmuxSession.StartAsync(TmuxSession.ClientCommand(args), 100, 30, [.. env, "TCPCHAT_PASSWORD=s3cret-pass"]))
        {
            string screen = await fromEnv.WaitForTextAsync("dono joined #lobby");
            Assert.Contains("| dono |", screen.Split('\n')[0]);
            await fromEnv.TypeAsync("/quit");
            await fromEnv.PressAsync("Enter");
            await fromEnv.WaitForAsync(s => !s.Contains("| dono |"), "the client gone");
        }

        WriteConfig("password = s3cret-pass\n");
        await using var fromFile = await TmuxSession.StartAsync(TmuxSession.ClientCommand(args), 100, 30, env);
        string fileScreen = await fromFile.WaitForTextAsync("dono joined #lobby");
        Assert.Contains("| dono |", fileScreen.Split('\n')[0]);
    }
}
