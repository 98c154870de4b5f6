using System.Globalization;
using System.Text;
using Terminal.Gui.Drivers;

namespace TcpChat.Tui.Views;

/// <summary>
/// Terminal.Gui's ANSI output, with two changes.
/// <para>
/// One write per frame. The toolkit writes a frame in pieces, each its own system call: the cursor hidden, then for
/// every run of changed cells a cursor move and the run, then the cursor shown and placed (six writes for one key,
/// about sixty for a pane of new messages), and the terminal (tmux, an SSH session) wakes up for each. Once
/// <see cref="BeginFrames"/> has been called, what the loop's thread writes is kept, and <see cref="Flush"/> writes it
/// in one go at the start of the next iteration, before the loop waits; the cursor is set once at the end of it.
/// Since the frame arrives whole, the toolkit's hiding of the cursor during a frame (against flicker) is not needed
/// and is not written. Writes from other threads go out at once, after what is kept.
/// </para>
/// <para>
/// After a grapheme of several code points (an emoji with a skin tone, a flag, a ZWJ family, a letter with a combining
/// accent) the cursor is moved explicitly to the column the toolkit counts next. Terminals disagree on the width of
/// such graphemes (tmux 3.3 and xterm draw 👍🏽 as four cells, kitty and most others as two), and the toolkit writes a
/// row's cells one after the other: without the move, everything after 👍🏽 on that row landed two columns to the
/// right and blanked the separator of the user list. The toolkit's own cursor moves (at the start of each run of
/// changed cells) are left as they are.
/// </para>
/// </summary>
public sealed class ChatTerminalOutput : AnsiOutput, IOutput
{
    private int _row, _col;
    private readonly object _gate = new();
    private readonly StringBuilder _frame = new();
    private int _loopThread = -1;
    private Cursor _cursor = new();
    private bool _cursorChanged;
    private bool _terminalCursorVisible;

    private bool Framing => _loopThread >= 0;

    /// <summary>From now on, what the calling thread (the UI loop's) writes waits for <see cref="Flush"/>.</summary>
    public void BeginFrames()
    {
        lock (_gate)
        {
            _cursor = base.GetCursor();
            _terminalCursorVisible = _cursor.IsVisible;
            _loopThread = Environment.CurrentManagedThreadId;
        }
    }

    /// <summary>Writes what was kept, with the cursor where it was last set, in one write.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            if (_frame.Length == 0 && !_cursorChanged)
                return;
            if (_cursor.IsVisible)
            {
                // The frame moved the terminal's cursor: put it back where the toolkit wants it, and show it.
                var at = _cursor.Position ?? default;
                _frame.Append("\e[").Append(at.Y + 1).Append(';').Append(at.X + 1).Append('H');
                if (!_terminalCursorVisible) _frame.Append(EscSeqUtils.CSI_ShowCursor);
            }
            else if (_terminalCursorVisible)
            {
                _frame.Append(EscSeqUtils.CSI_HideCursor);
            }
            _terminalCursorVisible = _cursor.IsVisible;
            _cursorChanged = false;
            base.Write(_frame);
            _frame.Clear();
        }
    }

    void IOutput.SetCursor(Cursor cursor)
    {
        if (!Framing)
        {
            base.SetCursor(cursor);
            return;
        }
        lock (_gate)
        {
            if (cursor.IsVisible && cursor.Style != _cursor.Style) _frame.Append(EscSeqUtils.CSI_SetCursorStyle(cursor.Style));
            _cursor = cursor;
            _cursorChanged = true;
        }
        if (Environment.CurrentManagedThreadId != _loopThread) Flush();
    }

    Cursor IOutput.GetCursor()
    {
        if (!Framing) return base.GetCursor();
        lock (_gate) return _cursor;
    }

    void IOutput.Write(ReadOnlySpan<char> text)
    {
        if (!Framing)
        {
            base.Write(text);
            return;
        }
        lock (_gate) _frame.Append(text);
        if (Environment.CurrentManagedThreadId != _loopThread) Flush();
    }

    void IOutput.Suspend()
    {
        // What the toolkit writes on its way out to the shell (the terminal restored) must go out before it stops.
        Flush();
        int loop = _loopThread;
        _loopThread = -1;
        try { base.Suspend(); }
        finally { _loopThread = loop; }
    }

    void IDisposable.Dispose()
    {
        Flush();
        _loopThread = -1;
        base.Dispose();
    }

    protected override bool SetCursorPositionImpl(int col, int row)
    {
        _row = row;
        _col = col;
        if (!Framing)
            return base.SetCursorPositionImpl(col, row);
        // Full screen: row 0 is the terminal's first row.
        lock (_gate) _frame.Append("\e[").Append(row + 1).Append(';').Append(col + 1).Append('H');
        return true;
    }

    protected override void Write(StringBuilder output)
    {
        string text = output.ToString();
        string placed = Reposition(text, _row, _col);
        if (Framing)
        {
            lock (_gate) _frame.Append(placed);
            if (Environment.CurrentManagedThreadId != _loopThread) Flush();
            return;
        }
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
