using System.Globalization;
using System.Text;

namespace TcpChat.Tui.Terminal;

/// <summary>
/// A frame: a flat, row-major array of cells covering <see cref="Area"/> (origin 0,0).
/// Views draw into it; <see cref="AnsiRenderer"/> turns the difference between two frames into output.
/// Writes outside the buffer are clipped silently so views can draw without bounds checks;
/// only <see cref="Get"/> throws for coordinates outside.
/// <para>
/// Invariant: a wide cell at column x is always followed by a continuation cell at x + 1, and a
/// continuation cell is always preceded by a wide cell. Every write preserves it by blanking the
/// orphaned half of a wide grapheme it overwrites.
/// </para>
/// </summary>
public sealed class ScreenBuffer
{
    // One-char strings for ASCII so drawing text does not allocate a string per cell.
    private static readonly string[] s_ascii = Enumerable.Range(0, 128).Select(c => ((char)c).ToString()).ToArray();

    private Cell[] _cells;

    public ScreenBuffer(int width, int height)
    {
        Width = Math.Max(0, width);
        Height = Math.Max(0, height);
        _cells = new Cell[Width * Height];
    }

    public int Width { get; private set; }
    public int Height { get; private set; }
    public Rect Area => new(0, 0, Width, Height);

    /// <summary>The cells, row-major (index = y * Width + x). Read-only view for the renderer and tests.</summary>
    internal ReadOnlySpan<Cell> Cells => _cells;

    public Cell Get(int x, int y)
    {
        if (!Area.Contains(x, y))
            throw new ArgumentOutOfRangeException(nameof(x), $"({x},{y}) is outside {Area}.");
        return _cells[y * Width + x];
    }

    public Cell this[int x, int y] => Get(x, y);

    /// <summary>Changes the size; all cells become blank (the renderer redraws everything after a resize anyway).</summary>
    public void Resize(int width, int height)
    {
        Width = Math.Max(0, width);
        Height = Math.Max(0, height);
        _cells = new Cell[Width * Height];
    }

    /// <summary>Makes every cell blank.</summary>
    public void Clear() => Array.Clear(_cells);

    /// <summary>
    /// Puts one cell at (x, y). A wide cell gets its continuation cell at x + 1; a wide cell that
    /// would not fit before the right edge becomes a space in the same style.
    /// </summary>
    public void Set(int x, int y, Cell cell)
    {
        if (!Area.Contains(x, y) || cell.IsContinuation)
            return;
        if (cell.IsWide && x + 1 >= Width)
            cell = Cell.Space(cell.Style);

        int i = y * Width + x;
        BreakWide(x, y);
        if (cell.IsWide)
        {
            BreakWide(x + 1, y);
            _cells[i + 1] = Cell.Continuation(cell.Style);
        }
        _cells[i] = cell;
    }

    /// <summary>
    /// Writes <paramref name="text"/> at (x, y) grapheme by grapheme, at most <paramref name="maxWidth"/>
    /// columns and never past the right edge, and returns the columns used. Zero-width graphemes
    /// (a lone combining mark, a control character) are skipped. A wide grapheme with only one
    /// column left is drawn as a space (in <paramref name="style"/>) and ends the write.
    /// No wrapping: the text is for one row.
    /// </summary>
    public int SetString(int x, int y, string text, Style style, int maxWidth = int.MaxValue)
    {
        if (y < 0 || y >= Height || x < 0 || x >= Width || maxWidth <= 0)
            return 0;
        int limit = (int)Math.Min((long)x + maxWidth, Width);
        int column = x;
        ReadOnlySpan<char> rest = text;
        while (!rest.IsEmpty && column < limit)
        {
            int length = StringInfo.GetNextTextElementLength(rest);
            ReadOnlySpan<char> grapheme = rest[..length];
            rest = rest[length..];

            int width = DisplayWidth.OfGrapheme(grapheme);
            if (width == 0)
                continue;
            if (column + width > limit)
            {
                Set(column, y, Cell.Space(style)); // half a wide grapheme cannot be drawn
                column++;
                break;
            }
            string symbol = length == 1 && grapheme[0] < 128 ? s_ascii[grapheme[0]] : grapheme.ToString();
            Set(column, y, new Cell(symbol, style));
            column += width;
        }
        return column - x;
    }

    /// <summary>Fills the part of <paramref name="area"/> inside the buffer with <paramref name="cell"/>.</summary>
    public void Fill(Rect area, Cell cell)
    {
        area = area.Intersect(Area);
        int step = Math.Max(1, cell.Width);
        for (int y = area.Top; y < area.Bottom; y++)
            for (int x = area.Left; x < area.Right; x += step)
                Set(x, y, x + step <= area.Right ? cell : Cell.Space(cell.Style));
    }

    /// <summary>Replaces the style of every cell in <paramref name="area"/>, keeping the text (e.g. to highlight a row).</summary>
    public void SetStyle(Rect area, Style style)
    {
        area = area.Intersect(Area);
        for (int y = area.Top; y < area.Bottom; y++)
            for (int x = area.Left; x < area.Right; x++)
                _cells[y * Width + x] = _cells[y * Width + x].WithStyle(style);
    }

    /// <summary>Copies every cell from <paramref name="source"/>, which must have the same size.</summary>
    public void CopyFrom(ScreenBuffer source)
    {
        if (source.Width != Width || source.Height != Height)
            throw new ArgumentException("Buffers differ in size.", nameof(source));
        source._cells.CopyTo(_cells, 0);
    }

    /// <summary>
    /// The text of row <paramref name="y"/>: its graphemes, continuation cells skipped, so a wide
    /// grapheme appears once. Trailing spaces are trimmed unless <paramref name="trimEnd"/> is false.
    /// </summary>
    public string RowText(int y, bool trimEnd = true)
    {
        var sb = new StringBuilder(Width);
        foreach (Cell cell in _cells.AsSpan(y * Width, Width))
            sb.Append(cell.Symbol);
        return trimEnd ? sb.ToString().TrimEnd(' ') : sb.ToString();
    }

    /// <summary>Every row as <see cref="RowText"/> (trailing spaces trimmed).</summary>
    public IReadOnlyList<string> Lines => Enumerable.Range(0, Height).Select(y => RowText(y)).ToArray();

    /// <summary>The rows (trailing spaces trimmed) joined with '\n'; for tests and debugging.</summary>
    public string ToText() => string.Join('\n', Lines);

    // If (x, y) holds half of a wide grapheme, blank the other half so no orphan is left behind.
    private void BreakWide(int x, int y)
    {
        if (x >= Width)
            return;
        int i = y * Width + x;
        Cell cell = _cells[i];
        if (cell.IsContinuation && x > 0)
            _cells[i - 1] = Cell.Space(_cells[i - 1].Style);
        else if (cell.IsWide && x + 1 < Width)
            _cells[i + 1] = Cell.Space(_cells[i + 1].Style);
        if (cell.IsContinuation || cell.IsWide)
            _cells[i] = Cell.Space(cell.Style);
    }
}
