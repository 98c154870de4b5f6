using System.Globalization;
using System.Text;
using Terminal.Gui.Drivers;

namespace TcpChat.Tui.Views;

/// <summary>
/// Terminal.Gui's ANSI output, with one change: after a grapheme of several code points (an emoji with a skin tone, a
/// flag, a ZWJ family, a letter with a combining accent) the cursor is moved explicitly to the column the toolkit
/// counts next. Terminals disagree on the width of such graphemes (tmux 3.3 and xterm draw 👍🏽 as four cells, kitty
/// and most others as two), and the toolkit writes a row's cells one after the other: without the move, everything
/// after 👍🏽 on that row landed two columns to the right and blanked the separator of the user list. The toolkit's own
/// cursor moves (at the start of each run of changed cells) are left as they are.
/// </summary>
public sealed class ChatTerminalOutput : AnsiOutput
{
    private int _row, _col;

    protected override bool SetCursorPositionImpl(int col, int row)
    {
        _row = row;
        _col = col;
        return base.SetCursorPositionImpl(col, row);
    }

    protected override void Write(StringBuilder output)
    {
        string text = output.ToString();
        string placed = Reposition(text, _row, _col);
        if (!ReferenceEquals(placed, text))
        {
            output.Clear();
            output.Append(placed);
        }
        base.Write(output);
    }

    /// <summary>
    /// <paramref name="text"/>, a run of one row's cells written from (<paramref name="col"/>, <paramref name="row"/>)
    /// (0-based), with <c>ESC[row;colH</c> after each grapheme of several code points; the same string when there is
    /// none. Escape sequences in the run (colours, hyperlinks) take no columns.
    /// </summary>
    public static string Reposition(string text, int row, int col)
    {
        if (!NeedsLook(text))
            return text;
        StringBuilder? result = null;
        int copied = 0;
        for (int i = 0; i < text.Length;)
        {
            if (text[i] == '\e')
            {
                i = SkipEscape(text, i);
                continue;
            }
            int length = StringInfo.GetNextTextElementLength(text.AsSpan(i));
            var grapheme = text.AsSpan(i, length);
            col += DisplayWidth.OfGrapheme(grapheme);
            i += length;
            if (CodePoints(grapheme) > 1)
            {
                result ??= new StringBuilder(text.Length + 16);
                result.Append(text, copied, i - copied);
                result.Append("\e[").Append(row + 1).Append(';').Append(col + 1).Append('H');
                copied = i;
            }
        }
        if (result is null)
            return text;
        result.Append(text, copied, text.Length - copied);
        return result.ToString();
    }

    // Only text with something past ASCII can hold a grapheme of several code points.
    private static bool NeedsLook(string text)
    {
        foreach (char c in text)
            if (c >= 0x80) return true;
        return false;
    }

    private static int CodePoints(ReadOnlySpan<char> grapheme)
    {
        int count = 0;
        foreach (var _ in grapheme.EnumerateRunes()) count++;
        return count;
    }

    // The index just past the escape sequence at i: CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), or ESC x.
    private static int SkipEscape(string text, int i)
    {
        if (i + 1 >= text.Length)
            return text.Length;
        char kind = text[i + 1];
        if (kind == '[')
        {
            int j = i + 2;
            while (j < text.Length && text[j] is < '@' or > '~') j++;
            return Math.Min(text.Length, j + 1);
        }
        if (kind == ']')
        {
            for (int j = i + 2; j < text.Length; j++)
            {
                if (text[j] == '\a') return j + 1;
                if (text[j] == '\e' && j + 1 < text.Length && text[j + 1] == '\\') return j + 2;
            }
            return text.Length;
        }
        return i + 2;
    }
}
