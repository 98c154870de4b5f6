using System.Text;
using TcpChat.Tui.Terminal;

namespace TcpChat.Tests.Tui.Terminal;

public class KeyDecoderTests
{
    private const KeyModifiers Ctrl = KeyModifiers.Ctrl;
    private const KeyModifiers Alt = KeyModifiers.Alt;
    private const KeyModifiers Shift = KeyModifiers.Shift;

    private static KeyEvent K(Key key, KeyModifiers mods = KeyModifiers.None) => new(key, mods);
    private static KeyEvent C(char c, KeyModifiers mods = KeyModifiers.None) => KeyEvent.Char(c, mods);

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static List<TerminalEvent> FeedChunks(params byte[][] chunks)
    {
        var decoder = new KeyDecoder();
        return chunks.SelectMany(c => decoder.Feed(c)).ToList();
    }

    // Decodes the input whole, byte by byte, and split in two at every position: all must agree.
    private static void AssertDecodes(byte[] input, params TerminalEvent[] expected)
    {
        Assert.Equal(expected, FeedChunks(input));
        Assert.Equal(expected, FeedChunks(input.Select(b => new[] { b }).ToArray()));
        for (int i = 1; i < input.Length; i++)
            Assert.Equal(expected, FeedChunks(input[..i], input[i..]));
    }

    private static void AssertDecodes(string input, params TerminalEvent[] expected) =>
        AssertDecodes(Bytes(input), expected);

    [Fact]
    public void PrintableAsciiIsChar() =>
        AssertDecodes("aZ 1~", C('a'), C('Z'), C(' '), C('1'), C('~'));

    [Fact]
    public void MultibyteUtf8SplitAcrossChunksIsOneChar() =>
        AssertDecodes("ã漢👍🏽", C('ã'), C('漢'), KeyEvent.Char(new Rune(0x1F44D)), KeyEvent.Char(new Rune(0x1F3FD)));

    [Theory]
    [InlineData(0x01, 'a')]
    [InlineData(0x03, 'c')]
    [InlineData(0x04, 'd')]
    [InlineData(0x0B, 'k')]
    [InlineData(0x17, 'w')]
    [InlineData(0x1A, 'z')]
    public void ControlBytesAreCtrlLetters(byte b, char letter) =>
        AssertDecodes([b], C(letter, Ctrl));

    [Fact]
    public void TabEnterAndBackspaceAreNotCtrlLetters() =>
        AssertDecodes([0x09, 0x0D, 0x0A, 0x7F, 0x08],
            K(Key.Tab), K(Key.Enter), K(Key.Enter), K(Key.Backspace), K(Key.Backspace));

    [Fact]
    public void OtherControlBytesAreCtrlPunctuation() =>
        AssertDecodes([0x00, 0x1C, 0x1D, 0x1F], C(' ', Ctrl), C('\\', Ctrl), C(']', Ctrl), C('_', Ctrl));

    [Fact]
    public void EscPrefixIsAlt() =>
        AssertDecodes("\ex\e1\e9\e\r\e\x7f\eã\e\x02",
            C('x', Alt), C('1', Alt), C('9', Alt), K(Key.Enter, Alt), K(Key.Backspace, Alt), C('ã', Alt), C('b', Alt | Ctrl));

    [Fact]
    public void CsiArrowsAndNavigationKeys() =>
        AssertDecodes("\e[A\e[B\e[C\e[D\e[H\e[F\e[5~\e[6~\e[3~\e[2~\e[Z",
            K(Key.Up), K(Key.Down), K(Key.Right), K(Key.Left), K(Key.Home), K(Key.End),
            K(Key.PageUp), K(Key.PageDown), K(Key.Delete), K(Key.Insert), K(Key.BackTab));

    [Fact]
    public void HomeAndEndHaveManySpellings() =>
        AssertDecodes("\e[1~\e[7~\eOH\e[4~\e[8~\eOF",
            K(Key.Home), K(Key.Home), K(Key.Home), K(Key.End), K(Key.End), K(Key.End));

    [Fact]
    public void Ss3ArrowsFromApplicationCursorMode() =>
        AssertDecodes("\eOA\eOB\eOC\eOD\eOM", K(Key.Up), K(Key.Down), K(Key.Right), K(Key.Left), K(Key.Enter));

    [Fact]
    public void ModifierParametersAreDecoded() =>
        AssertDecodes("\e[1;5C\e[1;2A\e[1;3D\e[1;6C\e[3;5~\e[5;3~\e[1;9B",
            K(Key.Right, Ctrl), K(Key.Up, Shift), K(Key.Left, Alt), K(Key.Right, Ctrl | Shift),
            K(Key.Delete, Ctrl), K(Key.PageUp, Alt), K(Key.Down, Alt));

    [Fact]
    public void FunctionKeys() =>
        AssertDecodes("\eOP\eOQ\eOR\eOS\e[15~\e[17~\e[18~\e[19~\e[20~\e[21~\e[23~\e[24~\e[1;2P\e[11~\e[[A\e[[E",
            K(Key.F1), K(Key.F2), K(Key.F3), K(Key.F4), K(Key.F5), K(Key.F6), K(Key.F7), K(Key.F8),
            K(Key.F9), K(Key.F10), K(Key.F11), K(Key.F12), K(Key.F1, Shift), K(Key.F1), K(Key.F1), K(Key.F5));

    [Fact]
    public void BracketedPasteSplitAcrossChunksIsOneEvent() =>
        AssertDecodes("x\e[200~hello\r\nwörld 漢\rend\e[201~y",
            C('x'), new PasteEvent("hello\nwörld 漢\nend"), C('y'));

    [Fact]
    public void PasteContentIsNotInterpretedAsKeys() =>
        AssertDecodes("\e[200~\e[A\x03\e\e[20~\e[201~", new PasteEvent("\e[A\x03\e\e[20~"));

    [Fact]
    public void PasteInManyChunks()
    {
        var decoder = new KeyDecoder();
        Assert.Empty(decoder.Feed(Bytes("\e[200~line one\r")));
        Assert.Empty(decoder.Feed(Bytes("line two\e[2")));
        Assert.False(decoder.HasPendingEscape); // inside a paste an ESC is content, not a key
        Assert.Empty(decoder.Feed(Bytes("01")));
        Assert.Equal([new PasteEvent("line one\nline two")], decoder.Feed(Bytes("~")));
    }

    [Fact]
    public void LoneEscapeIsPendingUntilFlushed()
    {
        var decoder = new KeyDecoder();
        Assert.Empty(decoder.Feed([0x1B]));
        Assert.True(decoder.HasPendingEscape);
        Assert.Equal(K(Key.Escape), decoder.FlushPending());
        Assert.False(decoder.HasPendingEscape);
        Assert.Null(decoder.FlushPending());
        Assert.Equal([C('a')], decoder.Feed(Bytes("a")));
    }

    [Fact]
    public void EscapeFollowedLaterByBytesInTheSameSequenceIsNotFlushedEarly()
    {
        var decoder = new KeyDecoder();
        Assert.Empty(decoder.Feed(Bytes("\e[1;")));
        Assert.True(decoder.HasPendingEscape);
        Assert.Equal([K(Key.Right, Ctrl)], decoder.Feed(Bytes("5C")));
        Assert.False(decoder.HasPendingEscape);
    }

    [Fact]
    public void FlushingEscBracketOrEscOIsAltCharacter()
    {
        var decoder = new KeyDecoder();
        decoder.Feed(Bytes("\e["));
        Assert.Equal(C('[', Alt), decoder.FlushPending());
        decoder.Feed(Bytes("\eO"));
        Assert.Equal(C('O', Alt), decoder.FlushPending());
        decoder.Feed(Bytes("\e[1;"));
        Assert.Null(decoder.FlushPending()); // an unfinished sequence is dropped
        Assert.Equal([C('5'), C('C')], decoder.Feed(Bytes("5C")));
    }

    [Fact]
    public void DoubleEscapeIsOneEscapeKeyAndAPendingOne()
    {
        var decoder = new KeyDecoder();
        Assert.Equal([K(Key.Escape)], decoder.Feed([0x1B, 0x1B]));
        Assert.True(decoder.HasPendingEscape);
        Assert.Equal(K(Key.Escape), decoder.FlushPending());
    }

    [Fact]
    public void UnknownSequencesAreSwallowed() =>
        AssertDecodes("\e[?1;2c\e[<0;10;5M\e[99~\e[I\e[O\e[1;5X\e[201~\eOx\e[[Za",
            C('a'));

    [Fact]
    public void ControlByteInsideASequenceAbortsItAndCounts() =>
        AssertDecodes("\e[1;\x03x", C('c', Ctrl), C('x'));

    [Fact]
    public void InvalidUtf8IsDropped() =>
        AssertDecodes([0xC3, 0x41, 0x80, 0xF8, 0xE6, 0xBC, 0x42, 0xC0, 0xAF, 0x43], C('A'), C('B'), C('C'));

    [Fact]
    public void OverlongSequenceDoesNotCrash()
    {
        var decoder = new KeyDecoder();
        decoder.Feed(Bytes("\e[" + new string('1', 500) + "A"));
        Assert.Equal([C('z')], decoder.Feed(Bytes("z")));
    }

    [Fact]
    public void ArbitraryBytesNeverThrow()
    {
        var random = new Random(1234);
        var decoder = new KeyDecoder();
        var chunk = new byte[64];
        for (int i = 0; i < 2000; i++)
        {
            random.NextBytes(chunk);
            decoder.Feed(chunk.AsSpan(0, random.Next(chunk.Length + 1)));
            if (decoder.HasPendingEscape && random.Next(2) == 0)
                decoder.FlushPending();
        }
        decoder.Feed(Bytes("\e[201~")); // leave any paste the noise started
        decoder.FlushPending();
        Assert.Equal([C('q')], decoder.Feed(Bytes("q")));
    }

    [Fact]
    public void KeyEventDescribesItself()
    {
        Assert.Equal("Ctrl+Right", K(Key.Right, Ctrl).ToString());
        Assert.True(C('c', Ctrl).IsCtrl('c'));
        Assert.False(C('c').IsCtrl('c'));
    }
}
