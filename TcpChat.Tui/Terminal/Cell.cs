namespace TcpChat.Tui.Terminal;

/// <summary>
/// One terminal cell: a single grapheme cluster and its style.
/// A wide grapheme (CJK, emoji) occupies two cells: the first holds the grapheme and is
/// <see cref="IsWide"/>, the second is a <see cref="IsContinuation"/> cell with an empty symbol
/// that the renderer never writes (the terminal fills it when drawing the wide grapheme).
/// <c>default(Cell)</c> is a blank: a space in the default style, so a fresh array is already cleared.
/// </summary>
public readonly struct Cell : IEquatable<Cell>
{
    private readonly string? _symbol; // null means " " so that default(Cell) is a blank
    private readonly byte _kind;      // 0 narrow, 1 wide head, 2 continuation

    private Cell(string? symbol, Style style, byte kind)
    {
        _symbol = symbol;
        Style = style;
        _kind = kind;
    }

    /// <summary>
    /// A cell holding one grapheme cluster. The width is measured here; a zero-width cluster
    /// (lone combining mark, control character) is replaced by a space because the terminal
    /// would not advance the cursor for it and the row would shift. Wider than 2 is clamped to 2.
    /// </summary>
    public Cell(string grapheme, Style style = default)
    {
        int width = DisplayWidth.OfGrapheme(grapheme);
        _symbol = width == 0 ? null : grapheme;
        _kind = width >= 2 ? (byte)1 : (byte)0;
        Style = style;
    }

    public static Cell Blank => default;

    /// <summary>The grapheme; <c>""</c> for a continuation cell.</summary>
    public string Symbol => _kind == 2 ? "" : _symbol ?? " ";
    public Style Style { get; }
    public bool IsWide => _kind == 1;
    public bool IsContinuation => _kind == 2;

    /// <summary>Columns the cell advances the cursor: 1, 2 for a wide head, 0 for a continuation.</summary>
    public int Width => _kind switch { 0 => 1, 1 => 2, _ => 0 };

    public static Cell Space(Style style) => new(null, style, 0);

    internal static Cell Continuation(Style style) => new(null, style, 2);

    public Cell WithStyle(Style style) => new(_symbol, style, _kind);

    public bool Equals(Cell other) =>
        _kind == other._kind && Style == other.Style && string.Equals(Symbol, other.Symbol, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is Cell other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(Symbol, Style, _kind);
    public static bool operator ==(Cell left, Cell right) => left.Equals(right);
    public static bool operator !=(Cell left, Cell right) => !left.Equals(right);

    public override string ToString() => IsContinuation ? "<cont>" : $"'{Symbol}' {Style}";
}
