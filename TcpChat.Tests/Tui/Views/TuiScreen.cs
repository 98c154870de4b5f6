using Terminal.Gui.App;
using Terminal.Gui.Drivers;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;
using TcpChat.Tui.App;
using TcpChat.Tui.Views;
using TgColor = Terminal.Gui.Drawing.Color;
using TgTextStyle = Terminal.Gui.Drawing.TextStyle;

namespace TcpChat.Tests.Tui.Views;

/// <summary>One cell of a rendered screen: what is drawn there and in which of the client's styles.</summary>
internal readonly record struct ScreenCell(string Symbol, Style Style, bool IsWide, bool IsContinuation)
{
    public static readonly ScreenCell Blank = new(" ", Style.Default, false, false);
}

/// <summary>
/// A view drawn by Terminal.Gui's real ANSI driver with no terminal behind it (DisableRealDriverIO, set for the
/// assembly by <see cref="Infrastructure.HeadlessTerminal"/>), then read back from the driver's cells: the text of
/// each row and the style of each cell, mapped back to the client's <see cref="Style"/>.
/// </summary>
internal sealed class TuiScreen
{
    private readonly ScreenCell[,] _cells;

    private TuiScreen(int width, int height, ScreenCell[,] cells, (int X, int Y)? cursor, string text)
    {
        Width = width;
        Height = height;
        _cells = cells;
        Cursor = cursor;
        Text = text;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Where the input line put the terminal cursor, in screen cells; null when hidden.</summary>
    public (int X, int Y)? Cursor { get; }

    /// <summary>The driver's own text dump of the screen.</summary>
    public string Text { get; }

    public ScreenCell this[int x, int y] => _cells[y, x];

    /// <summary>Row <paramref name="y"/> as text (wide graphemes once, trailing spaces trimmed).</summary>
    public string RowText(int y) => Lines[y];

    /// <summary>Each row as text, wide graphemes once, trailing spaces trimmed.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            var lines = new List<string>();
            for (int y = 0; y < Height; y++)
            {
                var sb = new System.Text.StringBuilder();
                for (int x = 0; x < Width; x++)
                    if (!_cells[y, x].IsContinuation)
                        sb.Append(_cells[y, x].Symbol);
                lines.Add(sb.ToString().TrimEnd(' '));
            }
            return lines;
        }
    }

    /// <summary>The whole chat screen for <paramref name="state"/> at <paramref name="width"/>x<paramref name="height"/>.</summary>
    public static TuiScreen Chat(ChatState state, int width, int height)
    {
        MainView? main = null;
        return Draw(width, height, () => main = new MainView(state),
            () => main!.Input.Visible && main.Input.CursorColumn is { } x ? (main.Input.FrameToScreen().X + x, main.Input.FrameToScreen().Y) : null);
    }

    /// <summary>One view of the chat screen, alone, filling <paramref name="width"/>x<paramref name="height"/>.</summary>
    public static TuiScreen Of(Func<View> create, int width, int height) => Draw(width, height, create, () => null);

    /// <summary>One view given <paramref name="viewWidth"/>x<paramref name="viewHeight"/> cells (zero allowed) of a larger screen.</summary>
    public static TuiScreen Of(Func<View> create, int width, int height, int viewWidth, int viewHeight) =>
        Draw(width, height, create, () => null, viewWidth, viewHeight);

    private static TuiScreen Draw(int width, int height, Func<View> create, Func<(int, int)?> cursor, int? viewWidth = null, int? viewHeight = null)
    {
        using IApplication app = Application.Create();
        app.Init(DriverRegistry.Names.ANSI);
        app.Driver!.SetScreenSize(width, height);
        app.Driver.Force16Colors = true;
        using var top = new Runnable { Width = Dim.Fill(), Height = Dim.Fill() };
        var view = create();
        view.Width = viewWidth is { } w ? Dim.Absolute(w) : Dim.Fill();
        view.Height = viewHeight is { } h ? Dim.Absolute(h) : Dim.Fill();
        top.Add(view);
        var session = app.Begin(top);
        app.LayoutAndDraw(true);

        var contents = app.Driver.Contents!;
        var cells = new ScreenCell[height, width];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var cell = contents[y, x];
                string symbol = string.IsNullOrEmpty(cell.Grapheme) ? " " : cell.Grapheme;
                bool continuation = x > 0 && cells[y, x - 1].IsWide;
                bool wide = !continuation && DisplayWidth.Of(symbol) == 2;
                cells[y, x] = new ScreenCell(continuation ? "" : symbol, ToStyle(cell.Attribute), wide, continuation);
            }
        }
        var screen = new TuiScreen(width, height, cells, cursor(), app.Driver.ToString() ?? "");
        if (session is not null) app.End(session);
        return screen;
    }

    // The client's style for a Terminal.Gui attribute: the inverse of Theme.ToAttribute.
    private static Style ToStyle(Terminal.Gui.Drawing.Attribute? attribute)
    {
        if (attribute is not { } a)
            return Style.Default;
        var attributes = TextAttributes.None;
        if (a.Style.HasFlag(TgTextStyle.Bold)) attributes |= TextAttributes.Bold;
        if (a.Style.HasFlag(TgTextStyle.Faint)) attributes |= TextAttributes.Dim;
        if (a.Style.HasFlag(TgTextStyle.Italic)) attributes |= TextAttributes.Italic;
        if (a.Style.HasFlag(TgTextStyle.Underline)) attributes |= TextAttributes.Underline;
        if (a.Style.HasFlag(TgTextStyle.Reverse)) attributes |= TextAttributes.Reverse;
        return new Style(ToColor(a.Foreground), ToColor(a.Background), attributes);
    }

    private static Color ToColor(TgColor color)
    {
        if (color == TgColor.None)
            return Color.Default;
        for (int i = 0; i < Theme.AnsiNames.Count; i++)
            if (color == new TgColor(Theme.AnsiNames[i]))
                return Color.Ansi(i);
        throw new Xunit.Sdk.XunitException($"a colour outside the client's palette was drawn: {color}");
    }
}

/// <summary>Compares a screen's rows (trailing spaces trimmed, wide graphemes once) with expected lines.</summary>
internal static class ScreenAssert
{
    public static void Lines(TuiScreen screen, params string[] expected)
    {
        // Joined so a failure shows the whole screen, with '|' marking the right edge of each row.
        string Show(IEnumerable<string> rows) => string.Join('\n', rows.Select(r => r + "|"));
        Assert.Equal(Show(expected.Select(e => e.TrimEnd(' '))), Show(screen.Lines));
    }
}
