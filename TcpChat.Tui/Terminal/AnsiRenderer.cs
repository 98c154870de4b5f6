using System.Text;

namespace TcpChat.Tui.Terminal;

/// <summary>
/// Turns frames into ANSI/VT output, writing only what changed since the previous frame
/// (the approach of Ratatui's buffer diff and Terminal.Gui's ANSI driver). Pure: it only appends
/// to the caller's <see cref="StringBuilder"/>; the host writes that to the terminal.
/// <para>Output rules, chosen to be easy to reason about and to test:</para>
/// <list type="bullet">
/// <item>Only cells that differ from the previous frame are written; continuation cells never
/// are (the terminal fills them when it draws the wide grapheme).</item>
/// <item>The cursor is moved with CUP <c>ESC[row;colH</c> (1-based) only when it is not already
/// there. After a cell is written the cursor is assumed to have advanced by the cell's width;
/// after writing the last column the position is treated as unknown (terminals differ in how
/// they handle the pending wrap), so the next write always moves explicitly.</item>
/// <item>SGR is emitted only when the style changes, as a full reset followed by the attributes
/// in one sequence (<c>ESC[0;1;31m</c>; <c>ESC[0m</c> for the default style) rather than a diff:
/// it cannot leave a stale attribute behind and is a single sequence anyway.</item>
/// <item>Each frame starts and ends in the default style: if any styled cell was written the frame
/// ends with <c>ESC[0m</c>, so nothing else written to the terminal inherits a colour.</item>
/// <item>The first frame, a frame of a different size and the frame after <see cref="Invalidate"/>
/// start with <c>ESC[0m ESC[2J</c> and are diffed against a blank screen.</item>
/// <item>The cursor is placed last: moved to the caret and shown (<c>ESC[?25h</c>) or hidden
/// (<c>ESC[?25l</c>); show/hide are emitted only when the visibility changes.</item>
/// <item>With <see cref="NoColor"/> (NO_COLOR), colours are dropped; bold, dim, italic, underline
/// and reverse are kept so focus and selection stay visible.</item>
/// </list>
/// </summary>
public sealed class AnsiRenderer
{
    private Cell[] _previous = [];
    private int _width = -1, _height = -1;
    private bool _fullRedraw = true;
    private bool _noColor;

    // Where the terminal's cursor is, as far as we know; -1 when unknown.
    private int _cursorX = -1, _cursorY = -1;
    private bool? _cursorShown; // null: unknown (first frame, after Invalidate)

    public AnsiRenderer(bool noColor = false) => _noColor = noColor;

    /// <summary>Drop colours but keep attributes (for NO_COLOR). Changing it redraws everything.</summary>
    public bool NoColor
    {
        get => _noColor;
        set
        {
            if (_noColor != value)
            {
                _noColor = value;
                Invalidate();
            }
        }
    }

    /// <summary>Requested caret position, or null when the cursor is hidden.</summary>
    public (int X, int Y)? Cursor { get; private set; }

    /// <summary>Show the cursor at (x, y) after the next frames are drawn (e.g. the input caret).</summary>
    public void SetCursor(int x, int y) => Cursor = (x, y);

    /// <summary>Hide the cursor after the next frames are drawn.</summary>
    public void HideCursor() => Cursor = null;

    /// <summary>
    /// Forget what is on the screen: the next frame clears it and redraws every cell
    /// (after a resize, or when something else may have written to the terminal).
    /// </summary>
    public void Invalidate() => _fullRedraw = true;

    /// <summary>Appends to <paramref name="output"/> what turns the previous frame into <paramref name="frame"/>.</summary>
    public void Render(ScreenBuffer frame, StringBuilder output)
    {
        if (_fullRedraw || frame.Width != _width || frame.Height != _height)
        {
            output.Append("\e[0m\e[2J");
            _width = frame.Width;
            _height = frame.Height;
            _previous = new Cell[_width * _height]; // ESC[2J leaves blank default-style cells
            _cursorX = _cursorY = -1;               // ESC[2J does not say where the cursor is
            _cursorShown = null;
            _fullRedraw = false;
        }

        ReadOnlySpan<Cell> cells = frame.Cells;
        Style current = Style.Default;
        for (int y = 0; y < _height; y++)
        {
            // Terminals disagree on the width of emoji sequences (tmux 3.3 draws 👍🏽 as 4 cells, most terminals 2).
            // Where such a grapheme was, rewrite the row from its first change to the end, blanks included, so
            // nothing the terminal drew beyond our idea of the cell survives.
            int rewriteFrom = HasComplexGrapheme(_previous, y) ? FirstChange(cells, y) : _width;
            for (int x = 0; x < _width; x++)
            {
                int i = y * _width + x;
                Cell cell = cells[i];
                if (cell.IsContinuation || (cell == _previous[i] && x < rewriteFrom))
                    continue;

                if (x != _cursorX || y != _cursorY)
                    AppendMove(output, x, y);
                Style style = _noColor ? cell.Style.WithoutColors() : cell.Style;
                if (style != current)
                {
                    AppendSgr(output, style);
                    current = style;
                }
                output.Append(cell.Symbol);

                _cursorX = x + cell.Width;
                _cursorY = y;
                if (IsComplex(cell))
                    _cursorX = _cursorY = -1; // the terminal may have advanced by another width: move explicitly
                if (_cursorX >= _width)
                    _cursorX = _cursorY = -1; // pending wrap: position is terminal-specific
            }
        }
        cells.CopyTo(_previous);

        if (current != Style.Default)
            output.Append("\e[0m");

        if (Cursor is (int cx, int cy) && cx >= 0 && cy >= 0 && cx < _width && cy < _height)
        {
            if (cx != _cursorX || cy != _cursorY)
                AppendMove(output, cx, cy);
            if (_cursorShown != true)
                output.Append("\e[?25h");
            _cursorShown = true;
        }
        else if (_cursorShown != false)
        {
            output.Append("\e[?25l");
            _cursorShown = false;
        }
    }

    /// <summary>Renders into a new string; convenient for tests.</summary>
    public string Render(ScreenBuffer frame)
    {
        var sb = new StringBuilder();
        Render(frame, sb);
        return sb.ToString();
    }

    // A grapheme of several code points (emoji with a skin tone, ZWJ sequences, flags) drawn two cells wide.
    private static bool IsComplex(in Cell cell) => cell.Width == 2 && cell.Symbol.Length > 2;

    private bool HasComplexGrapheme(Cell[] row, int y)
    {
        for (int x = 0; x < _width; x++)
            if (IsComplex(row[y * _width + x])) return true;
        return false;
    }

    private int FirstChange(ReadOnlySpan<Cell> cells, int y)
    {
        for (int x = 0; x < _width; x++)
            if (cells[y * _width + x] != _previous[y * _width + x]) return x;
        return _width;
    }

    private void AppendMove(StringBuilder output, int x, int y)
    {
        output.Append("\e[").Append(y + 1).Append(';').Append(x + 1).Append('H');
        _cursorX = x;
        _cursorY = y;
    }

    private static void AppendSgr(StringBuilder output, Style style)
    {
        output.Append("\e[0");
        TextAttributes a = style.Attributes;
        if ((a & TextAttributes.Bold) != 0) output.Append(";1");
        if ((a & TextAttributes.Dim) != 0) output.Append(";2");
        if ((a & TextAttributes.Italic) != 0) output.Append(";3");
        if ((a & TextAttributes.Underline) != 0) output.Append(";4");
        if ((a & TextAttributes.Reverse) != 0) output.Append(";7");
        AppendColor(output, style.Foreground, normal: 30, bright: 90, extended: 38);
        AppendColor(output, style.Background, normal: 40, bright: 100, extended: 48);
        output.Append('m');
    }

    private static void AppendColor(StringBuilder output, Color color, int normal, int bright, int extended)
    {
        switch (color.Kind)
        {
            case ColorKind.Ansi16:
                output.Append(';').Append(color.Index < 8 ? normal + color.Index : bright + color.Index - 8);
                break;
            case ColorKind.Indexed:
                output.Append(';').Append(extended).Append(";5;").Append(color.Index);
                break;
        }
    }
}
