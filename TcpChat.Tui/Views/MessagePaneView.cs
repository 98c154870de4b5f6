using TcpChat.Tui.App;

namespace TcpChat.Tui.Views;

/// <summary>
/// The lines of the current tab, laid out by <see cref="MessageLayout"/>, oldest at the top. At
/// <see cref="RoomState.ScrollOffset"/> 0 the newest line is at the bottom of what is shown (the pane fills from the
/// top); above 0 the view is scrolled back by that many rows and the last row shows "-- more below (N) --", N being
/// the lines below. Records the pane size in the state (for PgUp/PgDn and for keeping a scrolled view still) and
/// clamps the offset to what the lines allow.
/// </summary>
public sealed class MessagePaneView(ChatState state) : ChatViewBase(state)
{
    /// <summary>Rows one notch of the mouse wheel scrolls (with --mouse).</summary>
    public const int WheelRows = 3;

    protected override bool OnMouseEvent(Terminal.Gui.Input.Mouse mouse)
    {
        if (mouse.Flags.HasFlag(Terminal.Gui.Input.MouseFlags.WheeledUp))
            State.ScrollUp(WheelRows);
        else if (mouse.Flags.HasFlag(Terminal.Gui.Input.MouseFlags.WheeledDown))
            State.ScrollDown(WheelRows);
        else
            return false;
        OnStateChanged();
        return true;
    }

    protected override void Draw()
    {
        var state = State;
        var area = Viewport;
        var room = state.Current;
        state.LastPaneHeight = area.Height;
        state.LastPaneWidth = area.Width;
        if (area.Width <= 0 || area.Height <= 0)
            return;
        room.PaneWidth = area.Width;

        int offset = room.ScrollOffset;
        if (offset > 0)
            offset = Math.Min(offset, state.MaxScroll(room));
        room.ScrollOffset = offset = Math.Max(0, offset);

        bool scrolled = offset > 0;
        int visible = scrolled ? area.Height - 1 : area.Height;
        var rows = new List<Run[]>(visible);
        int skip = offset, linesBelow = 0;
        for (int i = room.Lines.Count - 1; i >= 0 && rows.Count < visible; i--)
        {
            var layout = MessageLayout.Layout(room.Lines[i], area.Width);
            if (skip > 0)
                linesBelow++;
            for (int r = layout.Count - 1; r >= 0 && rows.Count < visible; r--)
            {
                if (skip > 0)
                    skip--;
                else
                    rows.Add(layout[r]);
            }
        }
        rows.Reverse();

        for (int y = 0; y < rows.Count; y++)
            foreach (var run in rows[y])
                if (run.X < area.Width)
                    this.Put(run.X, y, run.Text, run.Style, area.Width - run.X);

        if (scrolled)
        {
            string marker = $"-- more below ({linesBelow}) --";
            this.Put(0, area.Height - 1, DisplayWidth.Truncate(marker, area.Width), Theme.More, area.Width);
        }
    }
}
