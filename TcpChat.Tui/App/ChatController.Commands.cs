using TcpChat.Protocol;

namespace TcpChat.Tui.App;

public sealed partial class ChatController
{
    /// <summary>The commands, for /help and for Tab completion.</summary>
    public static readonly IReadOnlyList<(string Usage, string Help)> CommandHelp =
    [
        ("/join #room [#room...]", "join rooms (created if needed) and switch to the first"),
        ("/part [#room] [reason]", "leave the current room, or the one named"),
        ("/msg nick text", "send a private message; opens a tab for the conversation"),
        ("/query nick", "open a private tab without sending anything"),
        ("/me text", "an action: * you text"),
        ("/nick newnick", "change your nick"),
        ("/register password", "register your nick so only you can use it (8+ characters)"),
        ("/names [#room]", "list who is in the room"),
        ("/close", "close the current private tab"),
        ("/clear", "clear the current tab's lines"),
        ("/help", "this list"),
        ("/quit [reason]", "leave the server and exit"),
    ];

    public static readonly IReadOnlyList<(string Keys, string Help)> KeyHelp =
    [
        ("Enter / Alt+Enter", "send / new line in the message"),
        ("Alt+1..9, Ctrl+N/Ctrl+P", "switch tab: by number / next / previous"),
        ("Alt+A", "jump to the next tab with unread messages (mentions first)"),
        ("PgUp/PgDn, Alt+Home/Alt+End", "scroll back / forward, to the top / bottom"),
        ("Up/Down", "input history"),
        ("Tab", "complete nicks and commands"),
        ("Ctrl+W, Ctrl+U", "delete a word / the whole line before the cursor"),
        ("F2 or Alt+U", "show or hide the user list"),
        ("Ctrl+L", "redraw the screen"),
        ("Ctrl+C", "quit"),
    ];

    /// <summary>Handles a line the user entered: a /command, or a message to the current tab.</summary>
    public void Submit(string line)
    {
        if (line.Length == 0) return;
        if (!line.StartsWith('/') || line.StartsWith("//", StringComparison.Ordinal))
        {
            Say(State.Current, line.StartsWith("//", StringComparison.Ordinal) ? line[1..] : line);
            return;
        }
        int space = line.IndexOf(' ');
        string command = (space < 0 ? line : line[..space]).ToLowerInvariant();
        string rest = space < 0 ? "" : line[(space + 1)..].Trim();
        string[] words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (command)
        {
            case "/join" or "/j":
                if (words.Length == 0) { Usage("/join #room"); break; }
                foreach (string word in words)
                {
                    string room = NormalizeRoomInput(word);
                    _switchOnJoin.Add(room);
                    var existing = State.FindRoom(room);
                    if (existing is { Joined: true }) { State.SwitchTo(existing); continue; }
                    Send(w => FrameWriter.Write(w, Verb.Join, room));
                }
                break;
            case "/part" or "/leave":
            {
                string room = words.Length > 0 && words[0].StartsWith('#') ? words[0] : State.Current.Name;
                string reason = words.Length > 0 && words[0].StartsWith('#') ? string.Join(' ', words.Skip(1)) : rest;
                if (!room.StartsWith('#')) { Usage("/part [#room] [reason] — this tab is not a room; /close closes it"); break; }
                Send(w =>
                {
                    if (reason.Length > 0) FrameWriter.WriteWithText(w, Verb.Part, [room], reason);
                    else FrameWriter.Write(w, Verb.Part, room);
                });
                break;
            }
            case "/msg" or "/m":
            {
                if (words.Length < 2) { Usage("/msg nick text"); break; }
                string text = rest[(rest.IndexOf(' ') + 1)..];
                var room = State.GetOrAddRoom(words[0]);
                State.SwitchTo(room);
                Say(room, text);
                break;
            }
            case "/query" or "/q":
                if (words.Length != 1 || words[0].StartsWith('#')) { Usage("/query nick"); break; }
                State.SwitchTo(State.GetOrAddRoom(words[0]));
                break;
            case "/me":
                if (rest.Length == 0) { Usage("/me text"); break; }
                Say(State.Current, ActionPrefix + rest);
                break;
            case "/nick":
                if (words.Length != 1) { Usage("/nick newnick"); break; }
                _wantedNick = _registered ? _wantedNick : words[0];
                Send(w => FrameWriter.Write(w, Verb.Nick, words[0]));
                break;
            case "/register":
                if (words.Length != 1) { Usage("/register password"); break; }
                Send(w => FrameWriter.Write(w, Verb.Register, words[0]));
                break;
            case "/names" or "/who":
            {
                string room = words.Length > 0 ? NormalizeRoomInput(words[0]) : State.Current.Name;
                if (!room.StartsWith('#')) { Usage("/names #room"); break; }
                _printNames.Add(room);
                Send(w => FrameWriter.Write(w, Verb.Names, room));
                break;
            }
            case "/close":
                if (State.Current.Kind != RoomKind.Private) { Usage("/close closes a private tab; /part leaves a room"); break; }
                State.RemoveRoom(State.Current.Name);
                break;
            case "/clear":
                State.Current.Clear();
                break;
            case "/help" or "/h" or "/?":
                Info(State.Current, "Commands:");
                foreach (var (usage, help) in CommandHelp) Info(State.Current, $"  {usage,-24} {help}");
                Info(State.Current, "Keys:");
                foreach (var (keys, help) in KeyHelp) Info(State.Current, $"  {keys,-28} {help}");
                Info(State.Current, "A line starting with // sends a message that begins with /.");
                break;
            case "/quit" or "/exit":
                QuitRequested = true;
                Send(w =>
                {
                    if (rest.Length > 0) FrameWriter.WriteWithText(w, Verb.Quit, [], rest);
                    else FrameWriter.Write(w, Verb.Quit);
                });
                break;
            default:
                Info(State.Current, $"Unknown command {command}. Type /help for the list of commands.");
                break;
        }
    }

    private void Say(RoomState room, string text)
    {
        if (room.Kind == RoomKind.Status)
        {
            Info(room, "This tab is for server notices. Join a room with /join #room, or use /msg nick text.");
            return;
        }
        if (State.Status != ConnectionStatus.Connected)
        {
            Info(room, "Not connected: the message was not sent.");
            return;
        }
        // The length form carries any text, newlines included; the echo from the server shows it in the pane.
        Send(w => FrameWriter.WriteWithText(w, Verb.Send, [room.Name], text));
    }

    private void Usage(string usage) => Info(State.Current, $"Usage: {usage}");

    private static string NormalizeRoomInput(string room) => room.StartsWith('#') ? room : "#" + room;
}
