namespace TcpChat.Protocol;

/// <summary>
/// The verb table of one direction of the protocol (docs/PROTOCOL.md, "Client to server" and "Server to client").
/// A parser is given the grammar of the side it reads: the server reads <see cref="ClientToServer"/>.
/// </summary>
public sealed class Grammar
{
    private readonly VerbShape?[] _shapes = new VerbShape?[Enum.GetValues<Verb>().Length];

    private Grammar(params (Verb Verb, VerbShape Shape)[] shapes)
    {
        foreach (var (verb, shape) in shapes) _shapes[(int)verb] = shape;
    }

    /// <summary>The shape of <paramref name="verb"/>, or null when this direction has no such verb.</summary>
    public VerbShape? ShapeOf(Verb verb) => _shapes[(int)verb];

    // NICK <nick> [password] | JOIN <#room> | PART <#room> [text] | SEND <target> <text>
    // NAMES <#room> [from=<n>] [limit=<n>]
    // PING [token] | PONG [token] | QUIT [text] | HISTORY <target> [before=<id>] [limit=<n>] | STATS
    // REGISTER <password> | PASS <password>
    public static Grammar ClientToServer { get; } = new(
        (Verb.Nick, VerbShape.Args(1, 2)),
        (Verb.Register, VerbShape.Args(1, 1)),
        (Verb.Pass, VerbShape.Args(1, 1)),
        (Verb.Join, VerbShape.Args(1, 1)),
        (Verb.Part, VerbShape.OptionalText(1)),
        (Verb.Send, VerbShape.WithText(1)),
        (Verb.Names, VerbShape.Args(1, 3)),
        (Verb.Ping, VerbShape.Args(0, 1)),
        (Verb.Pong, VerbShape.Args(0, 1)),
        (Verb.Quit, VerbShape.OptionalText(0)),
        (Verb.History, VerbShape.Args(1, 3)),
        (Verb.Stats, VerbShape.Args(0, 0)));

    // HELLO tcpchat/1 <server-name> key=value... | NICK <old|*> <new> | JOIN <#room> <nick>
    // PART <#room> <nick> [text] | QUIT <nick> [text] | MSG <target> <sender> <id> <time> <text>
    // NAMES <#room> <text> | ERR <CODE> <VERB|*> <text> | BYE <text> | PING [token] | PONG [token]
    // HISTORY <target> <count>, then count MSG frames | STATS <text> | REGISTER <nick>
    // MEMBERS <#room> <count> [from=<n>]: a big room's member count; with from=, the NAMES that follows is the page
    // of its members starting at position n (docs/PROTOCOL.md, "Big rooms")
    public static Grammar ServerToClient { get; } = new(
        (Verb.Register, VerbShape.Args(1, 1)),
        (Verb.Hello, VerbShape.Args(2, 64)),
        (Verb.Nick, VerbShape.Args(2, 2)),
        (Verb.Join, VerbShape.Args(2, 2)),
        (Verb.Part, VerbShape.OptionalText(2)),
        (Verb.Quit, VerbShape.OptionalText(1)),
        (Verb.Msg, VerbShape.WithText(4)),
        (Verb.Names, VerbShape.WithText(1)),
        (Verb.Err, VerbShape.WithText(2)),
        (Verb.Bye, VerbShape.WithText(0)),
        (Verb.Ping, VerbShape.Args(0, 1)),
        (Verb.Pong, VerbShape.Args(0, 1)),
        (Verb.History, VerbShape.Args(2, 2)),
        (Verb.Stats, VerbShape.WithText(0)),
        (Verb.Members, VerbShape.Args(2, 3)));
}
