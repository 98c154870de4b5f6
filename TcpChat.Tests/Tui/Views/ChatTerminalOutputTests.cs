using TcpChat.Tui.Views;

namespace TcpChat.Tests.Tui.Views;

/// <summary>
/// After a grapheme of several code points the output moves the cursor to the column the toolkit counts next, so a
/// terminal that draws 👍🏽 four cells wide (tmux 3.3, xterm) cannot push the rest of the row out of place.
/// </summary>
public class ChatTerminalOutputTests
{
    [Theory]
    [InlineData("plain ascii text")]
    [InlineData("João 漢字 ❤")]   // one code point each: every terminal agrees on their widths
    [InlineData("\e[31mred\e[39m")]
    public void RunsWithoutComplexGraphemesAreWrittenAsTheyAre(string text) =>
        Assert.Same(text, ChatTerminalOutput.Reposition(text, 4, 10));

    [Fact]
    public void AfterAnEmojiWithASkinToneTheCursorIsPlacedWhereTheToolkitCountsNext() =>
        // Columns 10 'X', 11 ' ', 12-13 👍🏽: the next is column 14, row 4 (0-based) = ESC[5;15H.
        Assert.Equal("X 👍🏽\e[5;15H Y", ChatTerminalOutput.Reposition("X 👍🏽 Y", 4, 10));

    [Fact]
    public void EscapeSequencesTakeNoColumns() =>
        Assert.Equal("\e[1;7m🇵🇹\e[2;3H\e]8;;https://example.org\e\\a\e]8;;\e\\👨‍👩‍👧\e[2;6H",
            ChatTerminalOutput.Reposition("\e[1;7m🇵🇹\e]8;;https://example.org\e\\a\e]8;;\e\\👨‍👩‍👧", 1, 0));

    [Fact]
    public void ACombiningAccentIsFollowedByAMoveToo() =>
        Assert.Equal("Joa\u0303\e[1;4Ho", ChatTerminalOutput.Reposition("Joa\u0303o", 0, 0));
}
