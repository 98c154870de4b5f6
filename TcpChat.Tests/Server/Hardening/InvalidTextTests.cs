using System.Text;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Server.Hardening;

/// <summary>
/// Text that breaks the text rules (docs/PROTOCOL.md, "Text": valid UTF-8, no control character but LF and TAB) is
/// never passed on: SEND and PART get ERR BAD_TEXT and deliver nothing. (QUIT: its reason becomes "quit", QuitTextTests.)
/// </summary>
public sealed class InvalidTextTests
{
    /// <summary>Bad texts, named: broken UTF-8 of every kind, and the control characters a terminal would obey.</summary>
    public static readonly (string Name, byte[] Bytes)[] BadTexts =
    [
        ("lone FF", [(byte)'o', (byte)'k', 0xFF]),
        ("truncated é", [(byte)'c', (byte)'a', (byte)'f', 0xC3]),
        ("lone continuation byte", [0x80, (byte)'x']),
        ("overlong slash", [0xC0, 0xAF]),
        ("encoded surrogate", [0xED, 0xA0, 0x80, (byte)'x']),
        ("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ("NUL", [(byte)'a', 0x00, (byte)'b']),
        ("ESC colour", "\u001b[31mred"u8.ToArray()),
        ("CR in the middle", "over\rwrite"u8.ToArray()),
        ("DEL", [(byte)'x', 0x7F]),
        ("C1 NEL", "next\u0085line"u8.ToArray()),
        ("C1 CSI", "\u009b31mred"u8.ToArray()),
    ];

    public static TheoryData<string, string> VerbsAndTexts()
    {
        var data = new TheoryData<string, string>();
        foreach (string verb in new[] { "SEND", "PART" })
            foreach (var (name, _) in BadTexts) data.Add(verb, name);
        return data;
    }

    public static TheoryData<string> Texts()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in BadTexts) data.Add(name);
        return data;
    }

    public static byte[] Bytes(string name) => BadTexts.Single(t => t.Name == name).Bytes;

    /// <summary><c>VERB #lobby LENGTH LF text LF</c>: any bytes at all fit the length form.</summary>
    private static byte[] LengthForm(string verb, byte[] text) =>
        [.. Encoding.ASCII.GetBytes($"{verb} #lobby {text.Length}\n"), .. text, (byte)'\n'];

    [Theory]
    [MemberData(nameof(VerbsAndTexts))]
    public async Task BadTextIsRefusedWithBadTextAndNothingIsDelivered(string verb, string textName)
    {
        await using var server = await InProcessServer.StartAsync();
        await using var bystander = await server.RegisterAsync("bystander");
        await using var sender = await server.RegisterAsync("sender");
        await bystander.ExpectAsync("JOIN #lobby sender");

        sender.Send(LengthForm(verb, Bytes(textName)));
        Assert.StartsWith($"ERR BAD_TEXT {verb} ", (await sender.ExpectAsync("ERR")).ToString());

        // Still in the room, and nothing went out before this marker.
        sender.Send("SEND #lobby :marker\n");
        var next = await bystander.ExpectAsync(f => f.Verb is Verb.Msg or Verb.Part or Verb.Quit, "the marker");
        Assert.Equal("marker", next.Text);
        Assert.Equal("sender", next.Sender());
    }
}
