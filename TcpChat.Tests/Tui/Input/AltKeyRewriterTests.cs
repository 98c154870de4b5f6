using TcpChat.Tui.Input;

namespace TcpChat.Tests.Tui.Input;

public class AltKeyRewriterTests
{
    [Theory]
    [InlineData("\u001b3", "\u001b[51;3u")]                 // Alt+3
    [InlineData("\u001b3x", "\u001b[51;3ux")]               // Alt+3 and a letter typed at once: both survive
    [InlineData("\u001b2hi\u001b1", "\u001b[50;3uhi\u001b[49;3u")]
    [InlineData("\u001b\r", "\u001b[13;3u")]                // Alt+Enter
    [InlineData("\u001b\rsecond", "\u001b[13;3usecond")]
    [InlineData("\u001b\u007f", "\u001b[127;3u")]           // Alt+Backspace
    [InlineData("\u001ba", "\u001b[97;3u")]                 // Alt+A
    [InlineData("\u001b.", "\u001b[46;3u")]
    public void AltKeysBecomeTheirUnambiguousKittyForm(string input, string expected) =>
        Assert.Equal(expected, new AltKeyRewriter().Rewrite(input));

    [Theory]
    [InlineData("\u001b[A")]        // an arrow (CSI)
    [InlineData("\u001bOP")]        // F1 (SS3)
    [InlineData("\u001b[1;3C")]     // Alt+Right, already a sequence
    [InlineData("\u001b[<64;10;5M")] // a mouse report
    [InlineData("\u001b]10;rgb:ffff/ffff/ffff\u001b\\")] // an OSC answer
    [InlineData("\u001b")]          // a lone Escape: the parser's timeout decides
    [InlineData("plain text é 漢字")]
    [InlineData("\u001b\u001b")]
    public void SequencesAndPlainTextPassUnchanged(string input) =>
        Assert.Equal(input, new AltKeyRewriter().Rewrite(input));

    [Fact]
    public void APasteIsNeverRewrittenEvenAcrossReads()
    {
        var rewriter = new AltKeyRewriter();
        Assert.Equal("\u001b[200~a\u001b3", rewriter.Rewrite("\u001b[200~a\u001b3"));
        Assert.Equal("b\u001bx\u001b[201~", rewriter.Rewrite("b\u001bx\u001b[201~"));
        Assert.Equal("\u001b[51;3u", rewriter.Rewrite("\u001b3")); // after the paste, Alt keys again
    }
}
