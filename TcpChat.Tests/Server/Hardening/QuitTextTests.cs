using System.Text;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Hardening;

/// <summary>
/// A QUIT's reason is passed on only when it is valid text (docs/PROTOCOL.md, "Text": "an invalid QUIT text is
/// replaced by quit"): broken UTF-8 or a control character in it, and the others are told <c>quit</c>.
/// </summary>
public sealed class QuitTextTests
{
    [Theory]
    [MemberData(nameof(InvalidTextTests.Texts), MemberType = typeof(InvalidTextTests))]
    public async Task QuitWithBadTextIsAnnouncedWithQuitInstead(string textName)
    {
        await using var server = await InProcessServer.StartAsync();
        await using var bystander = await server.RegisterAsync("bystander");
        await using var leaver = await server.RegisterAsync("leaver");
        await bystander.ExpectAsync("JOIN #lobby leaver");

        byte[] text = InvalidTextTests.Bytes(textName);
        leaver.Send([.. Encoding.ASCII.GetBytes($"QUIT {text.Length}\n"), .. text, (byte)'\n']);

        Assert.Equal("BYE :bye", (await leaver.ExpectClosedAsync())[^1].ToString());
        Assert.Equal("QUIT leaver :quit", (await bystander.ExpectAsync("QUIT leaver")).ToString());
    }
}
