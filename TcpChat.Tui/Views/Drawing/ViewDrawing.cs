namespace TcpChat.Tui.Views;

/// <summary>
/// How the client's views draw: text at a position in a style, cut by whole graphemes to the room left on the row,
/// so nothing spills into a neighbouring view. Text passed here is already sanitised. The calls are recorded by
/// <see cref="ChatViewBase"/>, which writes them to Terminal.Gui when the view is drawn.
/// </summary>
internal static class ViewDrawing
{
    /// <summary>Draws <paramref name="text"/> at (<paramref name="x"/>, <paramref name="y"/>) of the viewport, in at most <paramref name="maxWidth"/> columns; returns the columns used.</summary>
    public static int Put(this ChatViewBase view, int x, int y, string text, Style style, int maxWidth = int.MaxValue)
    {
        var viewport = view.Viewport;
        int room = Math.Min(maxWidth, viewport.Width - x);
        if (room <= 0 || x < 0 || y < 0 || y >= viewport.Height || string.IsNullOrEmpty(text))
            return 0;
        string cut = DisplayWidth.Truncate(text, room);
        if (cut.Length == 0)
            return 0;
        int width = DisplayWidth.Of(cut);
        view.Add(new DrawOp(x, y, cut, style, width));
        return width;
    }

    /// <summary>Paints row <paramref name="y"/> of the viewport with spaces in <paramref name="style"/> (a bar's background).</summary>
    public static void FillRow(this ChatViewBase view, int y, Style style) =>
        view.Put(0, y, new string(' ', Math.Max(0, view.Viewport.Width)), style);
}
