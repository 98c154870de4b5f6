using System.CommandLine;
using TcpChat.Tui.App;

var host = new Option<string>("--host") { Description = "server host name or address (default: localhost)" };
var port = new Option<int?>("--port", "-p") { Description = $"server port (default: {TcpChat.Protocol.ProtocolDefaults.Port})" };
var nick = new Option<string>("--nick", "-n") { Description = "your nick (default: your login name)" };
var rooms = new Option<string[]>("--room", "-r") { Description = "a room to join at start; repeat for more", AllowMultipleArgumentsPerToken = true };
var noBell = new Option<bool>("--no-bell") { Description = "no terminal bell when someone mentions you" };
var tls = new Option<bool>("--tls") { Description = "connect with TLS, verifying the server's certificate" };
var tlsInsecure = new Option<bool>("--tls-insecure") { Description = "TLS without verifying the certificate (self-signed test servers only)" };
var mouse = new Option<bool>("--mouse") { Description = "capture the mouse: the wheel scrolls the messages, a click picks a tab (off: the terminal's own selection works)" };
var config = new Option<string>("--config") { Description = $"config file (default: {ConfigFile.DefaultPath})" };

var root = new RootCommand("tcpchat: a full-screen terminal chat client for TcpChat servers. Type /help inside for commands and keys.")
{
    host, port, nick, rooms, noBell, mouse, tls, tlsInsecure, config,
};
root.SetAction(async (parse, cancel) =>
{
    ClientOptions options;
    try
    {
        options = ConfigFile.Load(parse.GetValue(config) ?? ConfigFile.DefaultPath, new ClientOptions());
    }
    catch (FormatException e)
    {
        Console.Error.WriteLine($"tcpchat: {e.Message}");
        return 2;
    }
    if (parse.GetValue(host) is { } h) options = options with { Host = h };
    if (parse.GetValue(port) is { } p) options = options with { Port = p };
    if (parse.GetValue(nick) is { } n) options = options with { Nick = n };
    if (parse.GetValue(rooms) is { Length: > 0 } r) options = options with { Rooms = r };
    if (parse.GetValue(noBell)) options = options with { Bell = false };
    if (parse.GetValue(mouse)) options = options with { Mouse = true };
    if (parse.GetValue(tls)) options = options with { Security = TcpChat.Tui.Net.ChatConnection.Security.Tls };
    if (parse.GetValue(tlsInsecure)) options = options with { Security = TcpChat.Tui.Net.ChatConnection.Security.TlsInsecure };
    return await ClientApp.RunAsync(options, cancel);
});
var parsed = root.Parse(args);
if (CommandLineErrors.Describe(parsed, root) is { } problem)
{
    Console.Error.WriteLine(problem); // one line, not the parser's errors and the whole help
    return CommandLineErrors.ExitCode;
}
return await parsed.InvokeAsync();
