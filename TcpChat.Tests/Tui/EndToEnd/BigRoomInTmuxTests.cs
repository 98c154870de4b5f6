using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Tui.EndToEnd;

/// <summary>The real client in tmux in a big room (docs/PROTOCOL.md, "Big rooms"): the count, and the list in pages.</summary>
public sealed class BigRoomInTmuxTests
{
    [Fact]
    public async Task ClientInABigRoomShowsTheCountAndFetchesTheListPageByPage()
    {
        // Big above 3 members, 2 nicks a page, every change of the count sent at once.
        await using var server = await ServerProcess.StartAsync("--big-room-members", "3", "--names-page", "2",
            "--member-count-seconds", "0");
        var peers = new List<TestClient>();
        try
        {
            foreach (string nick in new[] { "ana", "bea", "cid", "dora" })
            {
                var peer = await TestClient.ConnectAsync(server.Port);
                peer.AutoPong = true;
                peer.Send($"NICK {nick}\n");
                await peer.ExpectAsync("NAMES #lobby");
                peers.Add(peer);
            }
            await using var tmux = await TmuxSession.StartAsync(TmuxSession.ClientCommand(
                ["--host", "127.0.0.1", "--port", server.Port.ToString(), "--nick", "João"]));
            // João is fifth: the first page (ana bea) comes with the join; cid dora and João come in two more pages.
            string[] everyone = ["ana", "bea", "cid", "dora", "João"];
            string screen = await tmux.WaitForTextAsync("5 users");
            // The pages come one after another: wait until the last has been drawn, then every nick is in the list.
            screen = await tmux.WaitForAsync(s => everyone.All(nick => InList(s, nick)), "all five nicks in the user list");
            foreach (string nick in everyone) Assert.True(InList(screen, nick), nick);

            // A sixth joins: a count, not a "joined" line.
            var eva = await TestClient.ConnectAsync(server.Port);
            peers.Add(eva);
            eva.Send("NICK eva\n");
            await eva.ExpectAsync("NAMES #lobby");
            screen = await tmux.WaitForTextAsync("6 users");
            Assert.DoesNotContain("eva joined", screen);

            eva.Send("SEND #lobby :olá João\n");
            await tmux.WaitForTextAsync("eva: olá João");
        }
        finally
        {
            foreach (var peer in peers) await peer.DisposeAsync();
        }
    }

    private static bool InList(string screen, string nick) =>
        screen.Split('\n').Any(l => l.TrimEnd().EndsWith("│ " + nick, StringComparison.Ordinal));
}
