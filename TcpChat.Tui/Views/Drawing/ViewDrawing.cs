using Terminal.Gui.ViewBase;

namespace TcpChat.Tui.Views;

/// <summary>
/// How the client's views draw on Terminal.Gui: Move, SetAttribute and AddStr, with text cut by whole graphemes to
/// the room left on the row, so nothing spills into a neighbouring view. Text passed here is already sanitised.
/// </summary>
internal static class ViewDrawing
{
    /// <summary>Draws <paramref name="text"/> at (<paramref name="x"/>, <paramref name="y"/>) of the viewport, in at most <paramref name="maxWidth"/> columns; returns the columns used.</summary>
    public static int Put(this View view, int x, int y, string text, Style style, int maxWidth = int.MaxValue)
    {
        var viewport = view.Viewport;
        int room = Math.Min(maxWidth, viewport.Width - x);
        if (room <= 0 || x < 0 || y < 0 || y >= viewport.Height || string.IsNullOrEmpty(text))
            return 0;
        string cut = DisplayWidth.Truncate(text, room);
        if (cut.Length == 0)
            return 0;
        view.SetAttribute(Theme.ToAttribute(style));
        view.Move(x, y);
        view.AddStr(cut);
        return DisplayWidth.Of(cut);
    }

    /// <summary>Paints row <paramref name="y"/> of the viewport with spaces in <paramref name="style"/> (a bar's background).</summary>
    public static void FillRow(this View view, int y, Style style) =>
        view.Put(0, y, new string(' ', Math.Max(0, view.Viewport.Width)), style);

    /// <summary>Paints the whole viewport with spaces in the default style.</summary>
    public static void Clear(this View view)
    {
        for (int y = 0; y < view.Viewport.Height; y++)
            view.FillRow(y, Style.Default);
    }
}
