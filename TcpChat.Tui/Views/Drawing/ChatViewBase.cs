using System.Drawing;
using System.Text;
using Terminal.Gui.Drawing;
using Terminal.Gui.ViewBase;

namespace TcpChat.Tui.Views;

/// <summary>
/// A view of the chat screen: draws from the <see cref="App.ChatState"/> it is given, every cell of its area in the
/// client's <see cref="Theme"/> (the toolkit's own clearing and colour scheme are not used, so the terminal's default
/// colours show through and NO_COLOR holds).
/// </summary>
/// <remarks>
/// <see cref="Draw"/> does not write to the toolkit directly: its <see cref="ViewDrawing.Put"/> calls are recorded
/// as a list of <see cref="DrawOp"/>. <see cref="Refresh"/>, called after every change of the state, records what
/// the view would draw now and asks the toolkit for a frame only when that differs from what it drew last. So a
/// key redraws the input line alone, and a message the status line, the tab bar and the user list do not change
/// costs them nothing; the toolkit then writes to the terminal only the cells that differ.
/// </remarks>
public abstract class ChatViewBase : View
{
    private List<DrawOp>? _recording;
    private List<DrawOp> _shown = [];
    private (List<DrawOp> Ops, Rectangle Viewport)? _pending;

    protected ChatViewBase(App.ChatState state)
    {
        State = state;
    }

    protected App.ChatState State { get; }

    /// <summary>Draws the content with <see cref="ViewDrawing.Put"/>; cells it leaves are spaces in the default style.</summary>
    protected abstract void Draw();

    /// <summary>True for a view whose drawing has effects beyond its cells (the input line places the cursor).</summary>
    protected virtual bool AlwaysRedraw => false;

    /// <summary>Raised when the view changed the state itself (a mouse wheel or click): the screen needs a new frame.</summary>
    public event Action? StateChanged;

    protected void OnStateChanged() => StateChanged?.Invoke();

    /// <summary>The state may have changed: asks for a frame if this view would now draw something else.</summary>
    public void Refresh()
    {
        if (!Visible)
            return;
        var ops = Record();
        _pending = (ops, Viewport);
        if (AlwaysRedraw || !ops.SequenceEqual(_shown))
            SetNeedsDraw();
    }

    /// <summary>Takes one drawing call of <see cref="Draw"/>, while it is being recorded.</summary>
    internal void Add(DrawOp op) => _recording!.Add(op);

    private List<DrawOp> Record()
    {
        var ops = new List<DrawOp>();
        _recording = ops;
        try
        {
            Draw();
        }
        finally
        {
            _recording = null;
        }
        return ops;
    }

    protected override bool OnClearingViewport() => true;

    protected override bool OnDrawingContent(DrawContext? context)
    {
        // What Refresh recorded, unless the layout changed since (a resize, the user list shown or hidden).
        var ops = _pending is { } pending && pending.Viewport == Viewport ? pending.Ops : Record();
        _pending = null;
        // Every cell once: what Draw put, then spaces where it put nothing (the toolkit's cost is per cell written).
        var size = Viewport.Size;
        var covered = new bool[size.Width * size.Height];
        foreach (var op in ops)
        {
            SetAttribute(Theme.ToAttribute(op.Style));
            Move(op.X, op.Y);
            AddStr(op.Text);
            int end = Math.Min(size.Width, op.X + op.Width);
            for (int x = op.X; x < end; x++)
                covered[op.Y * size.Width + x] = true;
        }
        SetAttribute(Theme.ToAttribute(Style.Default));
        for (int y = 0; y < size.Height; y++)
        {
            for (int x = 0; x < size.Width;)
            {
                if (covered[y * size.Width + x])
                {
                    x++;
                    continue;
                }
                int start = x;
                while (x < size.Width && !covered[y * size.Width + x])
                    x++;
                FillRect(new Rectangle(start, y, x - start, 1), new Rune(' '));
            }
        }
        _shown = ops;
        // Cells were written, so the terminal cursor has moved: put it back at the input line after this frame.
        // (The client's loop clears the flag before each iteration, so an idle frame writes nothing.)
        App?.Driver?.SetCursorNeedsUpdate(true);
        return true;
    }
}

/// <summary>One call of <see cref="ViewDrawing.Put"/>: text already cut to fit, at a viewport position, in a style, and the columns it takes.</summary>
public readonly record struct DrawOp(int X, int Y, string Text, Style Style, int Width);
