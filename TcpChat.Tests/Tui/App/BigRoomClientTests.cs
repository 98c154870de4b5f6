using System.Text;
using TcpChat.Protocol;
using TcpChat.Tui.App;
using TcpChat.Tui.Net;
using TcpChat.Tests.Tui.Views;
using TcpChat.Tui.Views;

namespace TcpChat.Tests.Tui.App;

/// <summary>
/// The client in a big room (docs/PROTOCOL.md, "Big rooms"): it shows the server's count, and while the user list is
/// shown it fetches the members page by page (NAMES from=), one page at a time.
/// </summary>
public sealed class BigRoomClientTests
{
    private readonly List<string> _sent = new();
    private readonly ChatController _controller;
    private ChatState State => _controller.State;

    public BigRoomClientTests()
    {
        _controller = new ChatController(new ChatState { ServerLabel = "test:7777" }, new ClientOptions { Nick = "ana" });
        _controller.Connected(frame => _sent.Add(Encoding.UTF8.GetString(frame)));
    }

    private void Server(Verb verb, params string[] args) => _controller.Apply(new ServerFrame(verb, args, null));

    private void Names(string room, string text) => _controller.Apply(new ServerFrame(Verb.Names, [room], text));

    /// <summary>Registers into a #lobby of 5,000, as the server says it: JOIN, MEMBERS, the first page.</summary>
    private RoomState JoinBigLobby()
    {
        Server(Verb.Hello, "tcpchat/1", "test", "max_line=4096", "names=3");
        Server(Verb.Nick, "*", "ana");
        Server(Verb.Join, "#lobby", "ana");
        Server(Verb.Members, "#lobby", "5000", "from=0");
        Names("#lobby", "zoe ana bob");
        return State.FindRoom("#lobby")!;
    }

    [Fact]
    public void BigRoomShowsTheServersCountAndTheFirstPage()
    {
        var lobby = JoinBigLobby();
        Assert.Equal(5000, lobby.UserCount);
        Assert.Equal(["ana", "bob", "zoe"], lobby.Users);

        var screen = TuiScreen.Of(() => new UserListView(State), 14, 4);
        Assert.Equal(" 5,000 users", screen.RowText(0).TrimEnd());
        Assert.Equal(" ana", screen.RowText(1).TrimEnd());
        Assert.Equal(" +4,998 more", screen.RowText(3).TrimEnd());
    }

    [Fact]
    public void WhileTheListIsShownThePagesAreFetchedOneAtATimeUntilTheEnd()
    {
        var lobby = JoinBigLobby(); // the list is shown (the default): the next page is asked for once the first came
        Assert.Equal("NAMES #lobby from=3 limit=3\n", _sent[^1]);
        _sent.Clear();
        _controller.FetchUsersIfWanted();
        Assert.Empty(_sent); // one page at a time

        Server(Verb.Members, "#lobby", "5", "from=3");
        Names("#lobby", "cid dan");
        Assert.Equal(["ana", "bob", "cid", "dan", "zoe"], lobby.Users);
        Assert.True(lobby.UsersComplete); // 5 of 5: nothing more is asked
        Assert.Empty(_sent);
        Assert.Equal(5, lobby.UserCount);

        // The count grows past what was fetched: the next page is asked for.
        Server(Verb.Members, "#lobby", "9");
        _controller.FetchUsersIfWanted();
        Assert.Equal("NAMES #lobby from=5 limit=3\n", _sent[^1]);
    }

    [Fact]
    public void NothingIsFetchedWhileTheListIsHidden()
    {
        State.ShowUserList = false;
        JoinBigLobby();
        Assert.DoesNotContain(_sent, f => f.StartsWith("NAMES", StringComparison.Ordinal));
        _sent.Clear();
        _controller.FetchOlderIfWanted(); // what the UI loop calls after input
        Assert.Empty(_sent);
        State.ShowUserList = true;
        _controller.FetchOlderIfWanted();
        Assert.Equal(["NAMES #lobby from=3 limit=3\n"], _sent);
    }

    [Fact]
    public void AWholeListWithoutACountMakesTheRoomSmallAgainAndJoinsCountOnceMore()
    {
        var lobby = JoinBigLobby();
        Names("#lobby", "ana bob");
        Assert.Null(lobby.MemberCount);
        Assert.Equal(2, lobby.UserCount);
        Server(Verb.Join, "#lobby", "cid");
        Assert.Equal(3, lobby.UserCount);
    }

    [Fact]
    public void ServerThatSendsNoCountsKeepsTheClientAsBefore()
    {
        Server(Verb.Nick, "*", "ana");
        Server(Verb.Join, "#lobby", "ana");
        Names("#lobby", "ana bob");
        _sent.Clear();
        _controller.FetchUsersIfWanted();
        Assert.Empty(_sent);
        Assert.Equal(2, State.FindRoom("#lobby")!.UserCount);
    }
}
