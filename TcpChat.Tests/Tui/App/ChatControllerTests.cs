using System.Text;
using TcpChat.Protocol;
using TcpChat.Tui.App;
using TcpChat.Tui.Net;

namespace TcpChat.Tests.Tui.App;

/// <summary>The client's controller: server frames in, state and frames out, without a terminal or a socket.</summary>
public sealed class ChatControllerTests
{
    private readonly List<string> _sent = new();
    private readonly ChatController _controller;
    private ChatState State => _controller.State;

    public ChatControllerTests()
    {
        _controller = new ChatController(new ChatState { ServerLabel = "test:7777" },
            new ClientOptions { Nick = "ana", Rooms = ["#rust"] });
        _controller.Connected(frame => _sent.Add(Encoding.UTF8.GetString(frame)));
    }

    private void Server(Verb verb, string[] args, string? text = null) => _controller.Apply(new ServerFrame(verb, args, text));

    private void Register()
    {
        Server(Verb.Nick, ["*", "ana"]);
        Server(Verb.Join, ["#lobby", "ana"]);
        Server(Verb.Names, ["#lobby"], "ana");
    }

    private static ServerFrame Msg(string target, string sender, long id, string text) =>
        new(Verb.Msg, [target, sender, id.ToString(), "2026-11-21T10:00:00.000Z"], text);

    [Fact]
    public void ConnectingRegistersTheNickAndThenJoinsTheWantedRooms()
    {
        Assert.Equal(["NICK ana\n"], _sent);
        Register();
        Assert.Equal(["NICK ana\n", "JOIN #rust\n"], _sent);
        Assert.Equal("ana", State.Nick);
        Assert.Equal("#lobby", State.Current.Name); // the first room comes to the front, not the server tab
    }

    [Fact]
    public void NickInUseAtRegistrationTriesAnotherNick()
    {
        Server(Verb.Err, ["NICK_IN_USE", "NICK"], "ana is taken");
        Assert.Equal("NICK ana_\n", _sent[^1]);
    }

    [Fact]
    public void RegisteredNickIsTakenWithItsPasswordAndARefusalFallsBackToAnotherNick()
    {
        var sent = new List<string>();
        var controller = new ChatController(new ChatState { ServerLabel = "test:7777" },
            new ClientOptions { Nick = "ana", Password = "correct-horse", ServerPassword = "letmein" });
        controller.Connected(frame => sent.Add(Encoding.UTF8.GetString(frame)));
        Assert.Equal(["PASS letmein\n", "NICK ana correct-horse\n"], sent);
        controller.Apply(new ServerFrame(Verb.Err, ["BAD_PASSWORD", "NICK"], "wrong password"));
        Assert.Equal("NICK ana_\n", sent[^1]);
        controller.Apply(new ServerFrame(Verb.Err, ["NICK_REGISTERED", "NICK"], "ana_ is registered"));
        Assert.Equal("NICK ana__\n", sent[^1]);
    }

    [Fact]
    public void RegisterCommandSendsRegister()
    {
        Register();
        _controller.Submit("/register s3cret-pass");
        Assert.Equal("REGISTER s3cret-pass\n", _sent[^1]);
    }

    [Fact]
    public void AfterAReconnectEveryJoinedRoomIsJoinedAgain()
    {
        Register();
        Server(Verb.Join, ["#rust", "ana"]);
        Server(Verb.Join, ["#café", "ana"]);
        _controller.Disconnected("connection reset", TimeSpan.FromSeconds(1));
        Assert.All(State.Rooms.Where(r => r.Kind == RoomKind.Room), r => Assert.False(r.Joined));
        _sent.Clear();
        _controller.Connected(frame => _sent.Add(Encoding.UTF8.GetString(frame)));
        Server(Verb.Nick, ["*", "ana"]);
        Assert.Equal(["NICK ana\n", "JOIN #rust\n", "JOIN #lobby\n", "JOIN #café\n"], _sent);
    }

    [Fact]
    public void MessagesGoToTheirRoomAndPrivateMessagesToATabNamedAfterThePeer()
    {
        Register();
        _controller.Apply(Msg("#lobby", "bob", 1, "hi all"));
        _controller.Apply(Msg("ana", "bob", 7, "psst"));
        _controller.Apply(Msg("bob", "ana", 8, "yes?"));
        Assert.Equal("hi all", State.FindRoom("#lobby")!.Lines[^1].Text);
        var bob = State.FindRoom("bob")!;
        Assert.Equal(RoomKind.Private, bob.Kind);
        Assert.Equal(["psst", "yes?"], bob.Lines.Select(l => l.Text));
        Assert.Equal(1, bob.UnreadMentions); // a private message from someone else is addressed to me
    }

    [Fact]
    public void TextStartingWithSlashMeIsShownAsAnAction()
    {
        Register();
        _controller.Apply(Msg("#lobby", "bob", 1, "/me waves"));
        var line = State.FindRoom("#lobby")!.Lines[^1];
        Assert.Equal(LineKind.Action, line.Kind);
        Assert.Equal("waves", line.Text);
    }

    [Fact]
    public void JoinHistoryIsShownWithoutUnreadThenAMarkerAndReconnectSkipsWhatIsShown()
    {
        Register();
        Server(Verb.Join, ["#rust", "ana"]);
        State.SwitchTo(State.FindRoom("#lobby")!);
        Server(Verb.History, ["#rust", "2"]);
        _controller.Apply(Msg("#rust", "bob", 1, "first"));
        _controller.Apply(Msg("#rust", "bob", 2, "ana, second"));
        var rust = State.FindRoom("#rust")!;
        Assert.Equal(0, rust.Unread);
        Assert.Equal(0, State.PendingBells);
        Assert.Equal(["first", "ana, second", ChatState.LiveMarker], rust.Lines.Where(l => l.Kind != LineKind.Join).Select(l => l.Text));

        _controller.Apply(Msg("#rust", "bob", 3, "live"));
        Assert.Equal(1, rust.Unread);

        // After a reconnect the server sends the last messages again: only the one missed is added.
        Server(Verb.History, ["#rust", "3"]);
        _controller.Apply(Msg("#rust", "bob", 2, "ana, second"));
        _controller.Apply(Msg("#rust", "bob", 3, "live"));
        _controller.Apply(Msg("#rust", "bob", 4, "said while away"));
        Assert.Equal(["first", "ana, second", ChatState.LiveMarker, "live", "said while away", ChatState.LiveMarker],
            rust.Lines.Where(l => l.Kind != LineKind.Join).Select(l => l.Text));
    }

    [Fact]
    public void ScrollingPastTheTopFetchesTheOlderPageAndPutsItAbove()
    {
        Register();
        var lobby = State.FindRoom("#lobby")!;
        Server(Verb.History, ["#lobby", "2"]);
        _controller.Apply(Msg("#lobby", "bob", 51, "fifty-one"));
        _controller.Apply(Msg("#lobby", "bob", 52, "fifty-two"));
        State.LastPaneHeight = 20;
        State.LastPaneWidth = 60;
        _sent.Clear();

        State.PageUp(); // everything fits: already at the top
        _controller.FetchOlderIfWanted();
        Assert.Equal([$"HISTORY #lobby before=51 limit={ChatController.OlderPageSize}\n"], _sent);
        _controller.FetchOlderIfWanted();
        Assert.Single(_sent); // one request at a time

        _controller.Apply(Msg("#lobby", "carol", 53, "live while fetching")); // not part of the page
        Server(Verb.History, ["#lobby", "2"]);
        _controller.Apply(Msg("#lobby", "bob", 49, "forty-nine"));
        _controller.Apply(Msg("#lobby", "bob", 50, "fifty"));
        var texts = lobby.Lines.Where(l => l.Kind is LineKind.Message).Select(l => l.Text).ToList();
        Assert.Equal(["forty-nine", "fifty", "fifty-one", "fifty-two", "live while fetching"], texts);
        Assert.False(lobby.HistoryExhausted); // a short page is not the end: the server caps pages in bytes

        State.ScrollToTop();
        State.PageUp();
        _controller.FetchOlderIfWanted();
        Assert.Equal($"HISTORY #lobby before=49 limit={ChatController.OlderPageSize}\n", _sent[^1]);
        Server(Verb.History, ["#lobby", "0"]);
        Assert.True(lobby.HistoryExhausted); // nothing older
    }

    [Fact]
    public void SlashCommandsBecomeFrames()
    {
        Register();
        _sent.Clear();
        _controller.Submit("/join café");
        _controller.Submit("hello\nworld");
        _controller.Submit("/me waves");
        _controller.Submit("/msg bob olá João");
        _controller.Submit("/nick anabela");
        _controller.Submit("//etc/passwd is a path");
        Assert.Equal(
        [
            "JOIN #café\n",
            "SEND #lobby 11\nhello\nworld\n",
            "SEND #lobby 9\n/me waves\n",
            "SEND bob 10\nolá João\n",
            "NICK anabela\n",
            "SEND bob 21\n/etc/passwd is a path\n",
        ], _sent);
        Assert.Equal("bob", State.Current.Name);
    }

    [Fact]
    public void UnknownCommandGetsAHelpfulLineAndSendsNothing()
    {
        Register();
        _sent.Clear();
        _controller.Submit("/frob x");
        Assert.Empty(_sent);
        Assert.Equal("Unknown command /frob. Type /help for the list of commands.", State.Current.Lines[^1].Text);
    }

    [Fact]
    public void QuitSendsQuitWithTheReason()
    {
        Register();
        _controller.Submit("/quit off to lunch");
        Assert.True(_controller.QuitRequested);
        Assert.Equal("QUIT 12\noff to lunch\n", _sent[^1]);
    }

    [Fact]
    public void PingIsAnsweredWithItsToken()
    {
        Server(Verb.Ping, ["12345"]);
        Assert.Equal("PONG 12345\n", _sent[^1]);
    }

    [Fact]
    public void OthersRenamingIsShownInEveryRoomTheyShareAndTheUserListFollows()
    {
        Register();
        Server(Verb.Join, ["#lobby", "bob"]);
        Server(Verb.Nick, ["bob", "robert"]);
        var lobby = State.FindRoom("#lobby")!;
        Assert.True(lobby.HasUser("robert"));
        Assert.False(lobby.HasUser("bob"));
        Assert.Equal("bob is now known as robert", lobby.Lines[^1].Text);
    }
}
