using TcpChat.Tui.App;

namespace TcpChat.Tui.Views;

/// <summary>
/// The row above the input, a reverse-video bar listing the tabs: <c>1:server 2:#lobby(3) 3:#rust(!1) 4:bob</c>.
/// The current tab stands out of the bar (not reversed, bold); a tab with unread messages is bold with its count
/// in parentheses; mentions are counted apart after a '!' in a distinct style: <c>(!2)</c> when every unread
/// message mentions me, <c>(5,!2)</c> otherwise. When the tabs do not fit, the bar scrolls so the current one is
/// visible, with <c>&lt;</c> and <c>&gt;</c> showing that more are off either end.
/// </summary>
public sealed class RoomBarView(ChatState state) : ChatViewBase(state)
{
    /// <summary>Room names longer than this (in columns) are cut with "…".</summary>
    public const int MaxNameWidth = 24;

    public static readonly Style Bar = Theme.Bar;
    public static readonly Style Current = new(Attributes: TextAttributes.Bold);
    public static readonly Style Unread = Theme.BarEmphasis;
    public static readonly Style Mentions = new(Color.Yellow, Attributes: TextAttributes.Reverse | TextAttributes.Bold | TextAttributes.Underline);

    private sealed record Item(string Label, string Count, string Mentions, Style LabelStyle)
    {
        public int Width => DisplayWidth.Of(Label) + Count.Length + Mentions.Length + (Count.Length + Mentions.Length > 0 ? 2 : 0);
    }

    // Where each tab was drawn in the last frame: its first column, its last column + 1, its index.
    private readonly List<(int From, int To, int Index)> _tabs = [];

    /// <summary>A click on a tab (with --mouse) switches to it.</summary>
    protected override bool OnMouseEvent(Terminal.Gui.Input.Mouse mouse)
    {
        if (!mouse.Flags.HasFlag(Terminal.Gui.Input.MouseFlags.LeftButtonClicked) || mouse.Position is not { } at)
            return false;
        foreach (var (from, to, index) in _tabs)
        {
            if (at.X >= from && at.X < to)
            {
                State.SwitchTo(index);
                OnStateChanged();
                return true;
            }
        }
        return false;
    }

    protected override void Draw()
    {
        _tabs.Clear();
        var state = State;
        this.FillRow(0, Bar);

        var items = new List<Item>();
        for (int i = 0; i < state.Rooms.Count; i++)
        {
            var room = state.Rooms[i];
            string label = $"{i + 1}:{DisplayWidth.Truncate(SafeText.Sanitize(room.Name), MaxNameWidth, "…")}";
            bool current = i == state.CurrentIndex;
            string count = "", mentions = "";
            if (!current && room.UnreadMentions > 0)
            {
                mentions = $"!{room.UnreadMentions}";
                if (room.Unread > room.UnreadMentions)
                    count = $"{room.Unread},";
            }
            else if (!current && room.Unread > 0)
            {
                count = room.Unread.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            var style = current ? Current : room.Unread > 0 || room.UnreadMentions > 0 ? Unread : Bar;
            items.Add(new Item(label, count, mentions, style));
        }

        int width = Viewport.Width, cur = state.CurrentIndex, n = items.Count;
        int start = 0;
        if (items.Sum(it => it.Width) + n - 1 > width)
        {
            for (start = 0; start < cur; start++)
            {
                int need = (start > 0 ? 2 : 0) + (cur < n - 1 ? 2 : 0);
                for (int i = start; i <= cur; i++)
                    need += items[i].Width + (i > start ? 1 : 0);
                if (need <= width)
                    break;
            }
        }

        int x = 0, right = width;
        if (start > 0)
            x += this.Put(x, 0, "< ", Bar, right - x);
        for (int i = start; i < n && x < right; i++)
        {
            if (i > start)
                x++; // the space between tabs
            int reserve = i < n - 1 ? 2 : 0;
            if (i != cur && x + items[i].Width + reserve > right)
            {
                this.Put(right - 1, 0, ">", Bar);
                break;
            }
            var item = items[i];
            int from = x;
            x += this.Put(x, 0, item.Label, item.LabelStyle, right - x);
            if (item.Count.Length + item.Mentions.Length > 0)
            {
                x += this.Put(x, 0, "(", Bar, right - x);
                x += this.Put(x, 0, item.Count, Bar, right - x);
                x += this.Put(x, 0, item.Mentions, Mentions, right - x);
                x += this.Put(x, 0, ")", Bar, right - x);
            }
            _tabs.Add((from, x, i));
        }
    }
}
