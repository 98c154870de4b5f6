namespace TcpChat.Tui.Terminal;

/// <summary>
/// A rectangle of terminal cells. Width and height are clamped to be non-negative so that
/// layout arithmetic on a tiny terminal yields empty areas instead of exceptions.
/// Right and Bottom are exclusive.
/// </summary>
public readonly record struct Rect
{
    public Rect(int x, int y, int width, int height)
    {
        X = x;
        Y = y;
        Width = Math.Max(0, width);
        Height = Math.Max(0, height);
    }

    public int X { get; }
    public int Y { get; }
    public int Width { get; }
    public int Height { get; }

    public int Left => X;
    public int Top => Y;
    public int Right => X + Width;
    public int Bottom => Y + Height;
    public bool IsEmpty => Width == 0 || Height == 0;

    public static Rect Empty => default;

    public bool Contains(int x, int y) => x >= X && x < Right && y >= Y && y < Bottom;

    public Rect Intersect(Rect other)
    {
        int left = Math.Max(X, other.X), top = Math.Max(Y, other.Y);
        int right = Math.Min(Right, other.Right), bottom = Math.Min(Bottom, other.Bottom);
        return new Rect(left, top, right - left, bottom - top);
    }

    /// <summary>Shrinks the rectangle by <paramref name="margin"/> on every side (e.g. inside a border).</summary>
    public Rect Inner(int margin) => Inner(margin, margin);

    public Rect Inner(int horizontal, int vertical) =>
        new(X + horizontal, Y + vertical, Width - 2 * horizontal, Height - 2 * vertical);

    /// <summary>The single row <paramref name="index"/> (0-based, relative to Top).</summary>
    public Rect Row(int index) => new(X, Y + index, Width, index >= 0 && index < Height ? 1 : 0);

    /// <summary>Takes <paramref name="rows"/> rows from the top; the rest is below it.</summary>
    public (Rect Top, Rect Remainder) SplitTop(int rows)
    {
        rows = Math.Clamp(rows, 0, Height);
        return (new Rect(X, Y, Width, rows), new Rect(X, Y + rows, Width, Height - rows));
    }

    /// <summary>Takes <paramref name="rows"/> rows from the bottom; the rest is above it.</summary>
    public (Rect Remainder, Rect Bottom) SplitBottom(int rows)
    {
        rows = Math.Clamp(rows, 0, Height);
        return (new Rect(X, Y, Width, Height - rows), new Rect(X, Bottom - rows, Width, rows));
    }

    /// <summary>Takes <paramref name="columns"/> columns from the left; the rest is to its right.</summary>
    public (Rect Left, Rect Remainder) SplitLeft(int columns)
    {
        columns = Math.Clamp(columns, 0, Width);
        return (new Rect(X, Y, columns, Height), new Rect(X + columns, Y, Width - columns, Height));
    }

    /// <summary>Takes <paramref name="columns"/> columns from the right; the rest is to its left.</summary>
    public (Rect Remainder, Rect Right) SplitRight(int columns)
    {
        columns = Math.Clamp(columns, 0, Width);
        return (new Rect(X, Y, Width - columns, Height), new Rect(Right - columns, Y, columns, Height));
    }

    public override string ToString() => $"Rect({X},{Y} {Width}x{Height})";
}
