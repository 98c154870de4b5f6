using Terminal.Gui.App;
using Terminal.Gui.Drivers;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;
using TcpChat.Tui.App;
using TcpChat.Tui.Views;
using static TcpChat.Tests.Tui.Views.ViewTestKit;

namespace TcpChat.Tests.Tui.Views;

/// <summary>
/// After a change of the state, only the parts of the screen that show something new are drawn again
/// (<see cref="ChatViewBase.Refresh"/>): a key costs the input line, a message the message pane, not the whole screen.
/// </summary>
public sealed class PartialRedrawTests : IDisposable
{
    private readonly IApplication _app;
    private readonly Runnable _top;
    private readonly ChatState _state;
    private readonly MainView _main;

    public PartialRedrawTests()
    {
        _state = new ChatState { Nick = "ana", ServerLabel = "localhost:7777", Status = ConnectionStatus.Connected };
        var lobby = _state.GetOrAddRoom("#lobby");
        lobby.Joined = true;
        lobby.SetUsers(["ana", "bob"]);
        _state.SwitchTo(lobby);
        _state.AddLine(lobby, Msg("bob", "olá ana", 10, 0));
        _app = Application.Create();
        _app.Init(DriverRegistry.Names.ANSI);
        _app.Driver!.SetScreenSize(80, 24);
        _top = new Runnable { Width = Dim.Fill(), Height = Dim.Fill() };
        _main = new MainView(_state);
        _top.Add(_main);
        _app.Begin(_top);
        _app.LayoutAndDraw(true);
    }

    private T Part<T>() where T : View => _main.SubViews.OfType<T>().Single();

    private string[] Redrawn() =>
        _main.SubViews.Where(v => v.Visible && v.NeedsDraw).Select(v => v.GetType().Name).Order().ToArray();

    private string Screen() => _app.Driver!.ToString() ?? "";

    [Fact]
    public void NothingChangedAsksForNoFrame()
    {
        _main.Refresh();
        Assert.Equal(["InputLineView"], Redrawn()); // the input line always: it places the cursor
    }

    [Fact]
    public void AKeyRedrawsTheInputLineAlone()
    {
        _state.Input.Insert("é");
        _main.Refresh();
        Assert.Equal(["InputLineView"], Redrawn());
        _app.LayoutAndDraw();
        Assert.Contains("[#lobby] é", Screen());
    }

    [Fact]
    public void AMessageInTheCurrentRoomRedrawsThePaneAndNotTheBars()
    {
        _state.AddLine(_state.Current, Msg("bob", "漢字 and 👍🏽", 10, 1));
        _main.Refresh();
        Assert.Equal(["InputLineView", "MessagePaneView"], Redrawn());
        _app.LayoutAndDraw();
        Assert.Contains("bob: 漢字 and 👍🏽", Screen());
        Assert.Contains("bob: olá ana", Screen()); // the rest of the pane is drawn again too, not left blank
    }

    [Fact]
    public void AMessageInAnotherRoomRedrawsTheTabBarOnly()
    {
        var rust = _state.GetOrAddRoom("#rust");
        rust.Joined = true;
        _main.Refresh();
        _app.LayoutAndDraw();
        _state.AddLine(rust, Msg("dave", "anyone?", 10, 2));
        _main.Refresh();
        Assert.Equal(["InputLineView", "RoomBarView"], Redrawn());
        _app.LayoutAndDraw();
        Assert.Contains("3:#rust(1)", Screen());
        Assert.DoesNotContain("anyone?", Screen());
    }

    public void Dispose()
    {
        _top.Dispose();
        _app.Dispose();
    }
}
