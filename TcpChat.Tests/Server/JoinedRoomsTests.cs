using TcpChat.Protocol;
using TcpChat.Server.Chat;
using TcpChat.Server.History;

namespace TcpChat.Tests.Server;

/// <summary>The rooms a session is in: found by key, in join order, nothing held once it left them all.</summary>
public sealed class JoinedRoomsTests
{
    private static readonly MessageIds Ids = new(_ => 0);

    private static Room Room(string name) => new(name, Ids.Acquire(TextRules.Key(name)));

    [Fact]
    public void RoomsAreFoundByKeyAmongManyAndListedInJoinOrder()
    {
        var joined = new JoinedRooms();
        var rooms = Enumerable.Range(0, 100).Select(i => Room($"#sala-{i}-café")).ToList();
        foreach (var room in rooms) joined.Add(room);

        Assert.Equal(100, joined.Count);
        Assert.Equal(rooms, joined.Values.ToArray());
        foreach (var room in rooms)
        {
            Assert.True(joined.TryGetValue(room.Key, out Room? found));
            Assert.Same(room, found);
        }
        Assert.False(joined.TryGetValue(TextRules.Key("#sala-100-café"), out _));
    }

    [Fact]
    public void LeavingOneRoomKeepsTheOthers()
    {
        var joined = new JoinedRooms();
        Room lobby = Room("#lobby"), café = Room("#café"), kanji = Room("#漢字");
        joined.Add(lobby);
        joined.Add(café);
        joined.Add(kanji);

        Assert.True(joined.Remove(café.Key));
        Assert.False(joined.Remove(café.Key));
        Assert.Equal(2, joined.Count);
        Assert.False(joined.TryGetValue(café.Key, out _));
        Assert.True(joined.TryGetValue(lobby.Key, out _));
        Assert.True(joined.TryGetValue(kanji.Key, out _));
        Assert.Equal([lobby, kanji], joined.Values.ToArray()); // the last one moved into the gap
    }

    [Fact]
    public void JoiningARoomTwiceIsRefused()
    {
        var joined = new JoinedRooms();
        joined.Add(Room("#Café"));
        Assert.Throws<ArgumentException>(() => joined.Add(Room("#café"))); // the same key
    }

    [Fact]
    public void LeavingEveryRoomEmptiesIt()
    {
        var joined = new JoinedRooms();
        Room a = Room("#a"), b = Room("#b");
        joined.Add(a);
        joined.Add(b);
        joined.Remove(a.Key);
        joined.Remove(b.Key);
        Assert.Equal(0, joined.Count);
        Assert.True(joined.Values.IsEmpty);

        joined.Add(a);
        joined.Clear();
        Assert.Equal(0, joined.Count);
        Assert.False(joined.TryGetValue(a.Key, out _));
    }
}
