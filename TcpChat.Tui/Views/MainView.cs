using Terminal.Gui.ViewBase;
using TcpChat.Tui.App;

namespace TcpChat.Tui.Views;

/// <summary>
/// The whole screen, laid out with Terminal.Gui's Pos/Dim: the status line on top; the room bar and the input line
/// at the bottom; the message pane in between, with the user list on the right (after a blank gutter and a
/// one-column separator) when it is switched on, the current tab is a room and the terminal is at least
/// <see cref="MinWidthForUserList"/> wide. A terminal smaller than <see cref="MinWidth"/>x<see cref="MinHeight"/>
/// gets a centred notice instead. The gutter keeps the last column of the pane blank, so text in the pane never
/// runs into the separator (the toolkit links a URL up to the next blank cell).
/// </summary>
public sealed class MainView : View
{
    public const int MinWidth = 40;
    public const int MinHeight = 8;
    public const int UserListWidth = 18;
    public const int MinWidthForUserList = 60;
    public const string SeparatorGlyph = "│";

    private readonly ChatState _state;
    private readonly ChatViewBase[] _screen;
    private readonly MessagePaneView _pane;
    private readonly SeparatorView _separator;
    private readonly UserListView _users;
    private readonly TooSmallView _tooSmall;
    private bool? _showingUsers;
    private bool? _tooSmallShown;

    public MainView(ChatState state)
    {
        _state = state;
        Width = Dim.Fill();
        Height = Dim.Fill();
        CanFocus = true;
        var status = new StatusLineView(state) { X = 0, Y = 0, Width = Dim.Fill(), Height = 1 };
        _pane = new MessagePaneView(state) { X = 0, Y = 1, Width = Dim.Fill(), Height = Dim.Fill(2) };
        _separator = new SeparatorView(state) { X = Pos.AnchorEnd(UserListWidth + 2), Y = 1, Width = 2, Height = Dim.Fill(2) };
        _users = new UserListView(state) { X = Pos.AnchorEnd(UserListWidth), Y = 1, Width = UserListWidth, Height = Dim.Fill(2) };
        var rooms = new RoomBarView(state) { X = 0, Y = Pos.AnchorEnd(2), Width = Dim.Fill(), Height = 1 };
        Input = new InputLineView(state) { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill(), Height = 1 };
        _tooSmall = new TooSmallView(state) { X = 0, Y = 0, Width = Dim.Fill(), Height = Dim.Fill(), Visible = false };
        _screen = [status, _pane, _separator, _users, rooms, Input];
        _pane.StateChanged += () => StateChanged?.Invoke();
        rooms.StateChanged += () => StateChanged?.Invoke();
        Add(_screen);
        Add(_tooSmall);
        Input.SetFocus();
    }

    /// <summary>Raised when a part of the screen changed the state itself (the mouse, with --mouse).</summary>
    public event Action? StateChanged;

    /// <summary>The input line (the focused view, which owns the terminal cursor).</summary>
    public InputLineView Input { get; }

    public static bool ShowsUserList(int width, ChatState state) =>
        state.ShowUserList && state.Current.Kind == RoomKind.Room && width >= MinWidthForUserList;

    /// <summary>
    /// The state changed: lay out again if the user list comes or goes; each part asks for a frame only if what it
    /// shows changed (<see cref="ChatViewBase.Refresh"/>).
    /// </summary>
    public void Refresh()
    {
        ApplyLayout();
        foreach (var view in _screen)
            view.Refresh();
        _tooSmall.Refresh();
    }

    // The parts cover the whole screen, each clearing its own area: clearing it here first would write every cell twice.
    protected override bool OnClearingViewport() => true;

    protected override void OnSubViewLayout(LayoutEventArgs args)
    {
        ApplyLayout();
        base.OnSubViewLayout(args);
    }

    // Shows either the screen or the notice, and the user list or not; changes the layout only when that changes.
    private void ApplyLayout()
    {
        var size = Viewport.Size;
        bool tooSmall = size.Width < MinWidth || size.Height < MinHeight;
        if (_tooSmallShown != tooSmall)
        {
            _tooSmallShown = tooSmall;
            _tooSmall.Visible = tooSmall;
            foreach (var view in _screen)
                view.Visible = !tooSmall;
            _showingUsers = null;
        }
        if (tooSmall)
            return;
        bool users = ShowsUserList(size.Width, _state);
        if (_showingUsers == users)
            return;
        _showingUsers = users;
        _users.Visible = users;
        _separator.Visible = users;
        _pane.Width = users ? Dim.Fill(UserListWidth + 2) : Dim.Fill();
        SetNeedsLayout();
    }

    /// <summary>A blank column, then the line between the messages and the user list.</summary>
    private sealed class SeparatorView(ChatState state) : ChatViewBase(state)
    {
        protected override void Draw()
        {
            for (int y = 0; y < Viewport.Height; y++)
                this.Put(Viewport.Width - 1, y, SeparatorGlyph, Theme.Separator);
        }
    }

    /// <summary>"Terminal too small (WxH); need at least 40x8", wrapped and centred in whatever space there is.</summary>
    private sealed class TooSmallView(ChatState state) : ChatViewBase(state)
    {
        protected override void Draw()
        {
            var area = Viewport;
            if (area.Width <= 0 || area.Height <= 0)
                return;
            string notice = $"Terminal too small ({area.Width}x{area.Height}); need at least {MinWidth}x{MinHeight}";
            var lines = TextWrap.Wrap(notice, area.Width);
            int top = Math.Max(0, (area.Height - lines.Count) / 2);
            for (int i = 0; i < lines.Count && top + i < area.Height; i++)
            {
                int width = DisplayWidth.Of(lines[i]);
                int x = Math.Max(0, (area.Width - width) / 2);
                this.Put(x, top + i, lines[i], Theme.Notice);
            }
        }
    }
}
