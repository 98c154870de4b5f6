using System.Net;
using System.Net.Sockets;
using System.Text;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;

namespace TcpChat.Tests.Tui.EndToEnd;

/// <summary>
/// The real client binary in a real terminal (tmux) against the real server binary: keys in, screen out.
/// </summary>
public sealed class ClientInTmuxTests : IAsyncLifetime
{
    private ServerProcess _server = null!;

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<TmuxSession> StartClientAsync(string nick, params string[] more) =>
        TmuxSession.StartAsync(TmuxSession.ClientCommand(["--host", "127.0.0.1", "--port", _server.Port.ToString(), "--nick", nick, .. more]));

    private async Task<TestClient> PeerAsync(string nick)
    {
        var peer = await TestClient.ConnectAsync(_server.Port);
        peer.AutoPong = true;
        peer.Send($"NICK {nick}\n");
        await peer.ExpectAsync("NAMES #lobby");
        return peer;
    }

    [Fact]
    public async Task TwoPeopleChatAndTheScreenShowsMessagesUserListAndRoomBar()
    {
        await using var tmux = await StartClientAsync("João");
        await tmux.WaitForTextAsync("João joined #lobby");
        await using var bob = await PeerAsync("bob");
        await tmux.WaitForTextAsync("bob joined #lobby");

        await tmux.TypeAsync("olá bob, ação 漢字");
        await tmux.PressAsync("Enter");
        var atBob = await bob.ExpectAsync("MSG #lobby João");
        Assert.Equal("olá bob, ação 漢字", atBob.Text);

        bob.Send("SEND #lobby :oi João 👍 tudo bem?\n");
        string screen = await tmux.WaitForTextAsync("bob: oi João 👍 tudo bem?");
        Assert.Contains("João: olá bob, ação 漢字", screen);
        Assert.Contains("2 users", screen);
        var lines = screen.Split('\n');
        Assert.Contains(lines, l => l.TrimEnd().EndsWith("│ bob", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.TrimEnd().EndsWith("│ João", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("1:server 2:#lobby", StringComparison.Ordinal));
        Assert.StartsWith(" 127.0.0.1:", lines[0]);
        Assert.Contains("| João | connected | #lobby", lines[0]);
    }

    [Fact]
    public async Task TheCursorStaysAfterTheTypedTextWhileMessagesArrive()
    {
        // Each frame goes out in one write with the cursor placed at its end (ChatTerminalOutput): the cursor must be
        // where the user types, after wide letters too, and back there after a message is drawn above.
        await using var tmux = await StartClientAsync("ana");
        await tmux.WaitForTextAsync("ana joined #lobby");
        await using var bob = await PeerAsync("bob");
        await tmux.WaitForTextAsync("bob joined #lobby");
        await tmux.TypeAsync("olá 美咲");
        await tmux.WaitForAsync(s => s.TrimEnd().EndsWith("[#lobby] olá 美咲", StringComparison.Ordinal), "the typed text");
        // "[#lobby] " is 9 columns, "olá " 4, "美咲" 4: the cursor on column 17 (0-based) of the last row.
        Assert.Equal("17,29,1", await tmux.DisplayAsync("#{cursor_x},#{cursor_y},#{cursor_flag}"));

        bob.Send("SEND #lobby :a message drawn above the input line\n");
        await tmux.WaitForTextAsync("bob: a message drawn above the input line");
        await tmux.WaitForDisplayAsync("#{cursor_x},#{cursor_y},#{cursor_flag}", "17,29,1");
    }

    [Fact]
    public async Task FloodOfMessagesNeitherFreezesTypingNorFallsBehind()
    {
        await using var tmux = await StartClientAsync("ana");
        await tmux.WaitForTextAsync("ana joined #lobby");
        await using var bob = await PeerAsync("bob");
        await tmux.WaitForTextAsync("bob joined #lobby");

        // 1,000 messages a second: 100 every 100 ms (the pace is the workload, not a wait for something), for at least
        // 6 seconds and on until the typing below is done, so that every key is typed into a client under the flood
        // however slowly this machine types. The cap only stops a test gone wrong from flooding for ever.
        const int atLeast = 6000, atMost = 60_000;
        int sent = 0;
        bool typingDone = false;
        var flooding = Task.Run(async () =>
        {
            while (sent < atLeast || (!Volatile.Read(ref typingDone) && sent < atMost))
            {
                var batch = new System.Text.StringBuilder();
                for (int i = sent + 1; i <= sent + 100; i++) batch.Append($"SEND #lobby :flood {i}\n");
                bob.Send(batch.ToString());
                Volatile.Write(ref sent, sent + 100);
                await Task.Delay(100);
            }
        });
        await tmux.WaitForTextAsync("bob: flood ");

        // Each key typed must show in the input line soon, while the flood still runs. A healthy client draws at most
        // 20 frames a second, so a key shows within 50-100 ms, plus a tmux send-keys and a capture-pane or two (100 ms
        // apart): a few hundred ms even on a loaded machine. 3 s for any one key lets a slow or busy machine through
        // (a pause for the collector, a scheduler that starves us for a second), and the median under 1 s fails a
        // client that is sluggish on every key; a client that freezes while it works through the flood (6 s and more)
        // and catches up afterwards crosses both.
        var perKey = TimeSpan.FromSeconds(3);
        var median = TimeSpan.FromSeconds(1);
        var delays = new List<TimeSpan>();
        string Delays() => string.Join(", ", delays.Select(d => $"{d.TotalMilliseconds:0} ms"));
        string typed = "";
        try
        {
            foreach (char c in "typing")
            {
                typed += c;
                var pressed = System.Diagnostics.Stopwatch.StartNew();
                await tmux.TypeAsync(c.ToString());
                await tmux.WaitForTextAsync("[#lobby] " + typed); // the generous wait: the bound is asserted just below
                delays.Add(pressed.Elapsed);
                // Still flooding (the flood runs until typing is done: it ended only if it failed or hit its cap), so the
                // delay was measured under the flood.
                Assert.False(flooding.IsCompleted, $"the flood was over (or failed) when '{typed}' showed, after {Volatile.Read(ref sent)} messages; delays: {Delays()}");
                Assert.True(delays[^1] <= perKey, $"'{typed}' took over {perKey.TotalSeconds:0} s to show; delays: {Delays()}");
            }
        }
        finally
        {
            Volatile.Write(ref typingDone, true); // the flood stops after its 6 s, whatever happened here
        }
        var ordered = delays.Order().ToList();
        Assert.True(ordered[ordered.Count / 2] <= median, $"the median key took over {median.TotalSeconds:0} s to show; delays: {Delays()}");
        await tmux.PressAsync("Enter");
        await flooding;

        Assert.Equal("typing", (await bob.ExpectAsync("MSG #lobby ana")).Text);
        await tmux.WaitForTextAsync($"bob: flood {sent}"); // kept up: the last one is on screen
        await tmux.TypeAsync("still here");
        await tmux.WaitForTextAsync("[#lobby] still here");
    }

    [Fact]
    public async Task JoiningShowsWhatWasSaidBeforeThenMarksWhereLiveMessagesBegin()
    {
        await using var bob = await PeerAsync("bob");
        bob.Send("SEND #lobby :said before you came\nSEND #lobby :and this too\n");
        await bob.ExpectAsync(f => f.Verb == Verb.Msg && f.Text == "and this too", "second echo");

        await using var tmux = await StartClientAsync("ana");
        await tmux.WaitForTextAsync(TcpChat.Tui.App.ChatState.LiveMarker);
        bob.Send("SEND #lobby :live now\n");
        string screen = await tmux.WaitForTextAsync("bob: live now");
        var rows = screen.Split('\n').Select(r => r.TrimEnd()).ToList();
        int before = rows.FindIndex(r => r.Contains("bob: said before you came"));
        int marker = rows.FindIndex(r => r.Contains(TcpChat.Tui.App.ChatState.LiveMarker));
        int live = rows.FindIndex(r => r.Contains("bob: live now"));
        Assert.True(before >= 0 && before < marker && marker < live, screen);
        Assert.Contains("2:#lobby", rows[^3] + rows[^2] + rows[^1]); // read: no unread count for history
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NoColorLeavesOutColoursButKeepsEmphasis(bool noColor)
    {
        string command = TmuxSession.ClientCommand("--host", "127.0.0.1", "--port", _server.Port.ToString(), "--nick", "ana");
        await using var tmux = await TmuxSession.StartAsync(command, 100, 30, noColor ? ["NO_COLOR=1"] : []);
        await tmux.WaitForTextAsync("ana joined #lobby");
        await using var bob = await PeerAsync("bob");
        bob.Send("SEND #lobby :hello ana\n");
        await tmux.WaitForTextAsync("bob: hello ana");
        string styled = await tmux.CaptureStyledAsync();
        bool colours = System.Text.RegularExpressions.Regex.IsMatch(styled, @"\e\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;5;\d+)[;m]");
        Assert.Equal(!noColor, colours);
        Assert.Contains("\e[7m", styled.Replace("\e[1;7m", "\e[7m")); // reverse video (status line, mention) stays
    }

    [Fact]
    public async Task ResizeRedrawsTheLayoutAndATinyWindowGetsANotice()
    {
        await using var tmux = await StartClientAsync("ana");
        await tmux.WaitForTextAsync("ana joined #lobby");
        await tmux.ResizeAsync(60, 15);
        string screen = await tmux.WaitForAsync(s => s.Split('\n').Length >= 15 && s.Split('\n')[1].Length <= 60 && s.Contains("│ 1 user"), "60x15 layout");
        var rows = screen.Split('\n');
        Assert.Equal("1:server 2:#lobby", rows[13].TrimEnd());
        Assert.Equal('│', rows[1][60 - 18 - 1]); // the user list's separator moved with the width

        await tmux.ResizeAsync(30, 6);
        await tmux.WaitForTextAsync("Terminal too small");
        await tmux.ResizeAsync(100, 30);
        screen = await tmux.WaitForAsync(s => !s.Contains("too small") && s.Contains("ana joined #lobby"), "full layout again");
        Assert.Equal('│', screen.Split('\n')[1][100 - 18 - 1]);
    }

    [Fact]
    public async Task RoomsSwitchWithAltNumbersAndUnreadIsCountedInTheRoomBar()
    {
        await using var tmux = await StartClientAsync("ana", "--room", "#rust");
        await tmux.WaitForAsync(s => s.Contains("ana joined #rust") && s.Contains("| #rust"), "in #rust");
        await using var bob = await PeerAsync("bob");
        bob.Send("SEND #lobby :one\nSEND #lobby :two ana\n");
        await bob.ExpectAsync("MSG #lobby bob 2");
        await tmux.WaitForTextAsync("2:#lobby(2,!1)");

        await tmux.PressAsync("M-2");
        // Read now: no count. (Both in one wait: a frame reaches the terminal in several writes, and a capture
        // taken between them shows the new messages over the old tab bar.)
        await tmux.WaitForAsync(s => s.Contains("bob: two ana") && s.Contains("2:#lobby 3:#rust"), "#lobby read, no count");
        await tmux.PressAsync("C-n");
        await tmux.WaitForAsync(s => s.Split('\n')[0].Contains("| #rust"), "next room");
    }

    [Fact]
    public async Task MultiLinePasteAsksFirstAndIsSentAsOneMessage()
    {
        await using var tmux = await StartClientAsync("ana");
        await tmux.WaitForTextAsync("ana joined #lobby");
        await using var bob = await PeerAsync("bob");
        await tmux.WaitForTextAsync("bob joined #lobby");

        await tmux.PasteAsync("first line\nsecond line\nthird");
        await tmux.WaitForTextAsync("Paste 3 lines?");
        await tmux.PressAsync("Enter"); // accept: the text is in the input line, not sent
        await tmux.WaitForTextAsync("first line↵second line↵third");
        Assert.DoesNotContain(bob.Seen, f => f.Verb == Verb.Msg);

        await tmux.PressAsync("Enter");
        var msg = await bob.ExpectAsync("MSG #lobby ana");
        Assert.Equal("first line\nsecond line\nthird", msg.Text);
        await tmux.WaitForTextAsync("ana: first line");
    }

    [Fact]
    public async Task SingleLinePasteIsInsertedNeverSent()
    {
        await using var tmux = await StartClientAsync("ana");
        await tmux.WaitForTextAsync("ana joined #lobby");
        await tmux.PasteAsync("pasted text\n");
        await tmux.WaitForTextAsync("[#lobby] pasted text");
        await tmux.TypeAsync(" + typed");
        await tmux.PressAsync("Enter");
        await tmux.WaitForTextAsync("ana: pasted text + typed");
    }

    [Fact]
    public async Task InputLineEditsWithKeysAndHistory()
    {
        await using var tmux = await StartClientAsync("ana");
        await tmux.WaitForTextAsync("ana joined #lobby");
        await tmux.TypeAsync("hello wrld");
        await tmux.PressAsync("Left", "Left", "Left");
        await tmux.TypeAsync("o");
        await tmux.PressAsync("End");
        await tmux.TypeAsync(" 👍");
        await tmux.PressAsync("Enter");
        await tmux.WaitForTextAsync("ana: hello world 👍");
        await tmux.TypeAsync("draft words");
        await tmux.PressAsync("C-w");
        await tmux.WaitForAsync(s => s.Split('\n').Any(l => l.TrimEnd() == "[#lobby] draft"), "Ctrl+W");
        await tmux.PressAsync("Up");
        await tmux.WaitForTextAsync("[#lobby] hello world 👍");
        await tmux.PressAsync("Down");
        await tmux.WaitForTextAsync("[#lobby] draft");
        await tmux.PressAsync("C-u");
        await tmux.TypeAsync("/nick anabela");
        await tmux.PressAsync("Enter");
        await tmux.WaitForTextAsync("you are now known as anabela");
        await tmux.TypeAsync("/frobnicate");
        await tmux.PressAsync("Enter");
        await tmux.WaitForTextAsync("Unknown command /frobnicate. Type /help");
    }

    [Fact]
    public async Task PrivateConversationOpensItsOwnTab()
    {
        await using var tmux = await StartClientAsync("ana");
        await tmux.WaitForTextAsync("ana joined #lobby");
        await using var bob = await PeerAsync("bob");
        bob.Send("SEND ana :psst, ana\n");
        await tmux.WaitForTextAsync("3:bob(!1)");
        await tmux.PressAsync("M-3");
        await tmux.WaitForTextAsync("bob: psst, ana");
        await tmux.TypeAsync("hi back");
        await tmux.PressAsync("Enter");
        Assert.Equal("hi back", (await bob.ExpectAsync("MSG bob ana")).Text);
    }

    [Fact]
    public async Task ReconnectsAfterTheServerRestartsAndRejoinsItsRooms()
    {
        int port = _server.Port;
        await using var tmux = await StartClientAsync("ana", "--room", "#rust");
        await tmux.WaitForTextAsync("ana joined #rust");
        await _server.DisposeAsync();
        await tmux.WaitForTextAsync("reconnecting in");

        _server = await ServerProcess.StartAsync("--port", port.ToString());
        await tmux.WaitForAsync(s => s.Split('\n')[0].Contains("| connected"), "connected again");
        // The rejoin shows as a second "joined" line in the room it was in.
        await tmux.WaitForAsync(s => s.Split("ana joined #rust").Length - 1 >= 2, "the rejoin of #rust");
        await using var bob = await PeerAsync("bob");
        bob.Send("NAMES #rust\n");
        Assert.Equal("NAMES #rust :ana", (await bob.ExpectAsync("NAMES #rust")).ToString());
    }

    [Fact]
    public async Task QuitExitsZeroAndRestoresTheTerminal()
    {
        string command = TmuxSession.ClientCommand("--host", "127.0.0.1", "--port", _server.Port.ToString(), "--nick", "ana")
            + "; echo \"exit=$?\"; sleep 600"; // the shell keeps the pane alive to be looked at
        await using var tmux = await TmuxSession.StartAsync(command);
        await tmux.WaitForTextAsync("ana joined #lobby");
        await using var bob = await PeerAsync("bob");
        await tmux.TypeAsync("/quit off to lunch");
        await tmux.PressAsync("Enter");
        Assert.Equal("QUIT ana :off to lunch", (await bob.ExpectAsync("QUIT ana")).ToString());
        string screen = await tmux.WaitForTextAsync("exit=0");
        Assert.DoesNotContain("1:server", screen); // back on the main screen, not the client's
        Assert.Equal("0", await tmux.DisplayAsync("#{alternate_on}"));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("HUP")]
    public async Task ATerminatingSignalRestoresTheTerminal(string signal)
    {
        string pidFile = Path.Combine(Path.GetTempPath(), $"tcpchat-{Guid.NewGuid():N}.pid");
        string command = TmuxSession.ClientCommandWithPid(pidFile, "--host", "127.0.0.1", "--port", _server.Port.ToString(), "--nick", "ana", "--mouse")
            + "; echo \"exit=$?\"; sleep 600"; // the shell keeps the pane alive to be looked at
        await using var tmux = await TmuxSession.StartAsync(command);
        try
        {
            await tmux.WaitForTextAsync("ana joined #lobby");
            int pid = await TmuxSession.ReadPidAsync(pidFile);
            Assert.Equal("1", await tmux.DisplayAsync("#{alternate_on}"));
            Assert.Equal("1", await tmux.DisplayAsync("#{mouse_any_flag}")); // --mouse turned tracking on
            using (var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", pid.ToString()])!)
                await kill.WaitForExitAsync();
            await tmux.WaitForTextAsync("exit=");
            Assert.Equal("0", await tmux.DisplayAsync("#{alternate_on}"));   // the primary screen is back
            Assert.Equal("0", await tmux.DisplayAsync("#{mouse_any_flag}")); // mouse tracking off
            Assert.Equal("1", await tmux.DisplayAsync("#{cursor_flag}"));    // the cursor visible
        }
        finally
        {
            await KillClientIfAliveAsync(pidFile); // if the signal was never sent, or did not end it
            File.Delete(pidFile);
        }
    }

    [Fact]
    public async Task WhenItsTerminalGoesAwayTheClientLeavesAndExits()
    {
        // An SSH session that drops, or a tmux server that dies, takes the pty with it: the client must not linger
        // (present in the rooms, spinning on a dead terminal), whether or not the SIGHUP reaches it first.
        string pidFile = Path.Combine(Path.GetTempPath(), $"tcpchat-{Guid.NewGuid():N}.pid");
        await using var bob = await PeerAsync("bob");
        var tmux = await TmuxSession.StartAsync(TmuxSession.ClientCommandWithPid(pidFile, "--host", "127.0.0.1", "--port", _server.Port.ToString(), "--nick", "ana"));
        try
        {
            await tmux.WaitForTextAsync("ana joined #lobby");
            await bob.ExpectAsync("JOIN #lobby ana");
            int pid = await TmuxSession.ReadPidAsync(pidFile);
            await tmux.DisposeAsync(); // tmux kill-server: the pane's pty is gone
            Assert.StartsWith("QUIT ana", (await bob.ExpectAsync("QUIT ana")).ToString());
            var deadline = DateTime.UtcNow + TmuxSession.Timeout;
            while (ProcessIsAlive(pid) && DateTime.UtcNow < deadline)
                await Task.Delay(50); // polling for the exit, not waiting for time to pass
            Assert.False(ProcessIsAlive(pid), $"the client (pid {pid}) still runs after its terminal went away");
        }
        finally
        {
            await tmux.DisposeAsync();
            await KillClientIfAliveAsync(pidFile); // if the test failed because it lingers, it must not outlive the test
            File.Delete(pidFile);
        }
    }

    /// <summary>
    /// Kills the client whose pid is in <paramref name="pidFile"/> (<see cref="TmuxSession.ClientCommandWithPid"/>), if it
    /// still runs: SIGKILL by that pid, once checked to be our client still (a pid is reused once its process is gone);
    /// then waits for it to go.
    /// </summary>
    private static async Task KillClientIfAliveAsync(string pidFile)
    {
        try
        {
            if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid) || !ProcessIsAlive(pid)) return;
            if (!File.ReadAllText($"/proc/{pid}/cmdline").Contains(ClientBinary.Dll, StringComparison.Ordinal)) return;
            using (var process = System.Diagnostics.Process.GetProcessById(pid)) process.Kill();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (ProcessIsAlive(pid) && DateTime.UtcNow < deadline)
                await Task.Delay(50); // polling for the exit, not waiting for time to pass
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            // it exited meanwhile
        }
    }

    // Alive and not a zombie (a zombie has exited; its parent, the dead tmux server's shell, has not reaped it).
    private static bool ProcessIsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    [Fact]
    public async Task AnEmojiWithASkinToneLeavesTheRestOfItsRowInPlace()
    {
        // tmux 3.3 draws 👍🏽 four cells wide where the client counts two, as many terminals do: the rest of the row
        // (the message's end, the blank gutter, the user list's separator) must stay where the client put it.
        await using var tmux = await StartClientAsync("ana");
        await tmux.WaitForTextAsync("ana joined #lobby");
        await using var bob = await PeerAsync("bob");
        bob.Send("SEND #lobby :X 👍🏽 Y 🇵🇹 Z\n");
        string screen = await tmux.WaitForTextAsync("bob: X");
        string row = screen.Split('\n').Single(r => r.Contains("bob: X"));
        // The message's end, then the separator still on this row (and the user list's row after it, if any).
        Assert.Matches(@"bob: X .* Z +│( \w+)?$", row.TrimEnd());
    }

    [Fact]
    public async Task MouseTrackingStaysOffWithoutTheMouseFlag()
    {
        await using var tmux = await StartClientAsync("ana");
        await tmux.WaitForTextAsync("ana joined #lobby");
        Assert.Equal("0", await tmux.DisplayAsync("#{mouse_any_flag}")); // the terminal's own selection keeps working
        Assert.Equal("0", await tmux.DisplayAsync("#{mouse_button_flag}"));
    }

    [Fact]
    public async Task WithTheMouseFlagTheWheelScrollsAndAClickPicksATab()
    {
        await using var tmux = await StartClientAsync("ana", "--mouse");
        await tmux.WaitForTextAsync("ana joined #lobby");
        Assert.Equal("1", await tmux.DisplayAsync("#{mouse_any_flag}"));
        await using var bob = await PeerAsync("bob");
        var lines = new System.Text.StringBuilder();
        for (int i = 1; i <= 60; i++) lines.Append($"SEND #lobby :line {i}\n");
        bob.Send(lines.ToString());
        await tmux.WaitForTextAsync("bob: line 60");

        // The terminal reports the wheel and clicks as SGR mouse sequences (1-based column;row).
        await tmux.TypeAsync("\e[<64;10;10M");
        await tmux.WaitForAsync(s => s.Contains("more below") && !s.Contains("bob: line 60"), "scrolled back by the wheel");
        await tmux.TypeAsync("\e[<65;10;10M");
        await tmux.WaitForAsync(s => !s.Contains("more below") && s.Contains("bob: line 60"), "scrolled down again");

        await tmux.TypeAsync("\e[<0;3;29M\e[<0;3;29m"); // press and release on "1:server" in the room bar (row 29 of 30)
        await tmux.WaitForAsync(s => s.Split('\n')[0].Contains("| server"), "the server tab, clicked");
    }

    [Fact]
    public async Task AltDigitFollowedAtOnceByTypedTextSwitchesAndKeepsTheText()
    {
        await using var tmux = await StartClientAsync("ana", "--room", "#rust");
        await tmux.WaitForAsync(s => s.Contains("ana joined #rust") && s.Contains("| #rust"), "in #rust");
        await tmux.PressAsync("M-2", "h", "i"); // one write: ESC 2 h i, as fast typing or SSH delivers it
        await tmux.WaitForAsync(s => s.Split('\n')[0].Contains("| #lobby") && s.Contains("[#lobby] hi"), "#lobby with 'hi' typed");
        await tmux.PressAsync("M-1", "M-3", "x");
        await tmux.WaitForAsync(s => s.Split('\n')[0].Contains("| #rust") && s.Contains("[#rust] hix"), "#rust with 'hix'");
    }

    [Fact]
    public async Task TheToolkitsOwnKeysDoNothingOfTheirsTabCompletesAndEscQuitsNothing()
    {
        await using var tmux = await StartClientAsync("ana");
        await tmux.WaitForTextAsync("ana joined #lobby");
        await using var bob = await PeerAsync("bobby");
        await tmux.WaitForTextAsync("bobby joined #lobby");
        // Terminal.Gui binds Esc (quit), Ctrl+Z (suspend), Tab and the arrows (focus), F5/F6: none of that here.
        await tmux.PressAsync("Escape");
        await tmux.PressAsync("C-z", "F5", "F6", "BTab");
        await tmux.TypeAsync("hi bo");
        await tmux.PressAsync("Tab");
        await tmux.WaitForTextAsync("[#lobby] hi bobby");
        await tmux.PressAsync("Enter");
        Assert.Equal("hi bobby ", (await bob.ExpectAsync("MSG #lobby ana")).Text); // still running, still connected (completion adds a space)
        Assert.Equal("1", await tmux.DisplayAsync("#{alternate_on}"));
    }

    [Fact]
    public async Task AltEnterThenTextMakesOneMultiLineMessage()
    {
        await using var tmux = await StartClientAsync("ana");
        await tmux.WaitForTextAsync("ana joined #lobby");
        await using var bob = await PeerAsync("bob");
        await tmux.TypeAsync("first");
        await tmux.PressAsync("M-Enter", "s", "e", "c", "o", "n", "d"); // ESC CR and the text in one write
        await tmux.WaitForTextAsync("[#lobby] first↵second");
        await tmux.PressAsync("Enter");
        Assert.Equal("first\nsecond", (await bob.ExpectAsync("MSG #lobby ana")).Text);
    }

    [Fact]
    public async Task RoomCommandsPartQueryNamesCloseAndClear()
    {
        await using var tmux = await StartClientAsync("ana", "--room", "#rust");
        await tmux.WaitForAsync(s => s.Contains("ana joined #rust") && s.Contains("| #rust"), "in #rust");
        await using var bob = await PeerAsync("bob");
        bob.Send("JOIN #rust\n");
        await tmux.WaitForTextAsync("bob joined #rust");

        await tmux.TypeAsync("/names");
        await tmux.PressAsync("Enter");
        await tmux.WaitForTextAsync("#rust (2): ana bob");

        await tmux.TypeAsync("/clear");
        await tmux.PressAsync("Enter");
        await tmux.WaitForAsync(s => !s.Contains("#rust (2): ana bob") && !s.Contains("bob joined #rust"), "the tab cleared");

        await tmux.TypeAsync("/query bob");
        await tmux.PressAsync("Enter");
        await tmux.WaitForAsync(s => s.Split('\n')[0].Contains("| bob") && s.Contains("4:bob"), "a private tab for bob");
        await tmux.TypeAsync("psst");
        await tmux.PressAsync("Enter");
        Assert.Equal("psst", (await bob.ExpectAsync("MSG bob ana")).Text);
        await tmux.TypeAsync("/close");
        await tmux.PressAsync("Enter");
        await tmux.WaitForAsync(s => !s.Contains("4:bob") && !s.Split('\n')[0].Contains("| bob"), "the private tab closed");

        await tmux.PressAsync("M-3");
        await tmux.WaitForAsync(s => s.Split('\n')[0].Contains("| #rust"), "back in #rust");
        await tmux.TypeAsync("/part #rust see you");
        await tmux.PressAsync("Enter");
        Assert.Equal("PART #rust ana :see you", (await bob.ExpectAsync("PART #rust ana")).ToString());
        await tmux.WaitForAsync(s => !s.Contains("3:#rust") && s.Contains("you left #rust (see you)"), "#rust left and its tab gone");
    }

    [Fact]
    public async Task UnreachableServerIsOneLineAndNonZeroExit()
    {
        // A port of ours that refuses connections: bound, never listening (so nothing else can take it meanwhile).
        using var bound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        bound.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int closedPort = ((IPEndPoint)bound.LocalEndPoint!).Port;
        var (code, error) = await RunClientAsync("--host", "127.0.0.1", "--port", closedPort.ToString(), "--nick", "x");
        Assert.Equal(1, code);
        Assert.StartsWith($"tcpchat: cannot reach 127.0.0.1:{closedPort}:", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    /// <summary>Runs the client binary with redirected output (no terminal) to its end; killed if it outlives the timeout.</summary>
    private static async Task<(int Code, string Stderr)> RunClientAsync(params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(ClientBinary.Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        HeadlessTerminal.Remove(info.Environment);
        using var process = System.Diagnostics.Process.Start(info)!;
        try
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            return (process.ExitCode, await stderr.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }
}
