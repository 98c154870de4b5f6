using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TcpChat.Protocol;
using TcpChat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TcpChat.Tests.Server.Hardening;

/// <summary>
/// Many clients joining rooms, talking and dropping at random, a bounded number of actions each (not a time): once
/// they are gone, the server holds no connection, no room, no nick and no session object of theirs.
/// <c>TCPCHAT_CHAOS_SEED</c> changes the seed (<c>random</c> for a new one, shown in the output).
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 500;
    private const int Clients = 500;
    private const int Concurrency = 50;
    private const int Rooms = 12;

    private static int Seed => Environment.GetEnvironmentVariable("TCPCHAT_CHAOS_SEED") switch
    {
        "random" => Random.Shared.Next(),
        string s when int.TryParse(s, out int seed) => seed,
        _ => DefaultSeed,
    };

    /// <summary>How a chaos client leaves.</summary>
    private enum Leaving
    {
        /// <summary><c>QUIT :text</c>, then wait for BYE and the close.</summary>
        Quit,
        /// <summary>Close the socket without a word.</summary>
        Close,
        /// <summary>Close in the middle of a frame: a length-form SEND with half its text.</summary>
        MidFrame,
        /// <summary>Close with a reset (SO_LINGER 0), without reading what the server sent.</summary>
        Reset,
        /// <summary>Say something over max_payload: the server closes it with ERR TOO_LONG.</summary>
        Fatal,
    }

    private abstract record Act;
    private sealed record Join(int Room) : Act;
    private sealed record Part(int Room, string? Text) : Act;
    private sealed record Say(int Room, string Text, bool LengthForm) : Act;
    private sealed record Whisper(int To, string Text) : Act;
    private sealed record Names(int Room) : Act;
    /// <summary>Say something and wait for its echo: the client is in step with the server here.</summary>
    private sealed record SayAndWait(int Room, string Text) : Act;

    private sealed record Plan(int Number, Act[] Acts, Leaving Leaving)
    {
        public string Nick => $"c{Number}";
    }

    private static string Room(int room) => $"#chaos{room}";

    private static List<Plan> Plans(int seed)
    {
        var random = new Random(seed);
        var plans = new List<Plan>();
        for (int n = 0; n < Clients; n++)
        {
            var acts = new List<Act> { new Join(random.Next(Rooms)) };
            int count = random.Next(3, 13);
            for (int i = 0; i < count; i++)
            {
                int room = random.Next(Rooms);
                acts.Add(random.Next(10) switch
                {
                    0 or 1 => new Join(room),
                    2 => new Part(room, random.Next(2) == 0 ? null : "off to lunch"),
                    3 or 4 => new Say(room, $"hi from c{n}, {i}", LengthForm: false),
                    5 => new Say(room, $"c{n} says\n{i} in two lines", LengthForm: true),
                    6 => new Whisper(random.Next(Clients), $"psst {i}"),
                    7 => new Names(room),
                    _ => new SayAndWait(room, $"c{n} waits {i}"),
                });
            }
            var leaving = random.Next(10) switch { < 3 => Leaving.Quit, < 5 => Leaving.Close, < 7 => Leaving.MidFrame, < 9 => Leaving.Reset, _ => Leaving.Fatal };
            plans.Add(new Plan(n, [.. acts], leaving));
        }
        return plans;
    }

    [Fact]
    public async Task FiveHundredClientsJoiningTalkingAndDroppingAtRandomLeaveNoConnectionRoomNickOrSessionBehind()
    {
        int seed = Seed;
        var plans = Plans(seed);
        output.WriteLine($"seed {seed}: {Clients} clients, {Concurrency} at a time, {plans.Sum(p => p.Acts.Length)} actions; leaving by " +
            string.Join(", ", plans.GroupBy(p => p.Leaving).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
        await using var server = await InProcessServer.StartAsync("--max-payload", "1000");
        var hub = server.Hub();
        var sessions = new SessionTracker(hub);

        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(plans, new ParallelOptions { MaxDegreeOfParallelism = Concurrency },
            async (plan, _) => await RunAsync(server.Port, plan, sessions));
        output.WriteLine($"clients done in {clock.Elapsed.TotalSeconds:0.0} s; {sessions.Count} sessions seen");

        await ServerInsight.WaitUntilAsync(() => hub.ConnectionCount == 0, "every connection to be gone",
            () => $"{hub.ConnectionCount} left: " + string.Join(", ", hub.Sessions.Take(20).Select(s => $"#{s.Id} {s.Nick}")));

        await using (var inspector = await server.RegisterAsync("inspector"))
        {
            // Nobody is left in a room: the lobby holds the inspector alone.
            inspector.Send("NAMES #lobby\n");
            Assert.Equal("NAMES #lobby :inspector", (await inspector.ExpectAsync("NAMES #lobby")).ToString());
            // Every room was removed: joined again, spelled otherwise, it is a new room, spelled the new way, and empty.
            for (int room = 0; room < Rooms; room++)
            {
                string upper = Room(room).ToUpperInvariant();
                inspector.Send($"JOIN {upper}\n");
                Assert.Equal($"JOIN {upper} inspector", (await inspector.ExpectAsync("JOIN #")).ToString());
                Assert.Equal($"NAMES {upper} :inspector", (await inspector.ExpectAsync("NAMES #")).ToString());
            }
            // Every nick is free again.
            foreach (var plan in plans)
            {
                inspector.Send($"NICK {plan.Nick}\n");
                var answer = await inspector.ExpectAsync(f => f.Verb == Verb.Nick || f.Verb == Verb.Err, $"NICK {plan.Nick}");
                Assert.Equal(plan.Nick, answer.Verb == Verb.Nick ? answer.Arg(1) : answer.ToString());
            }
            inspector.Send("QUIT\n");
            await inspector.ExpectClosedAsync();
        }
        await ServerInsight.WaitUntilAsync(() => hub.ConnectionCount == 0, "the inspector's connection to be gone");

        // No session object outlives its connection.
        List<long> alive = [];
        await ServerInsight.WaitUntilAsync(() => (alive = sessions.Alive()).Count == 0, "every session to be collected",
            () => $"{alive.Count} of {sessions.Count} sessions still alive: #{string.Join(", #", alive.Take(20))}");
        output.WriteLine($"all {sessions.Count} sessions seen were collected; whole run {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static async Task RunAsync(int port, Plan plan, SessionTracker sessions)
    {
        if (plan.Leaving == Leaving.Reset)
        {
            await RunBlindAsync(port, plan, sessions);
            return;
        }
        var client = await TestClient.ConnectAsync(port);
        try
        {
            await client.ExpectAsync("HELLO");
            client.Send($"NICK {plan.Nick}\n");
            await client.ExpectAsync("NAMES #lobby");
            sessions.Sample();
            foreach (var act in plan.Acts)
            {
                client.Send(Wire(act));
                if (act is SayAndWait wait)
                {
                    // Either the echo, or NOT_IN_ROOM when the plan had left (or never joined) that room.
                    await client.ExpectAsync(f => f.Verb == Verb.Msg && f.Text == wait.Text || f.ToString().StartsWith("ERR NOT_IN_ROOM SEND"),
                        $"the echo of '{wait.Text}'");
                }
            }
            switch (plan.Leaving)
            {
                case Leaving.Quit:
                    client.Send($"QUIT :{plan.Nick} out\n");
                    Assert.Equal("BYE :bye", (await client.ExpectClosedAsync())[^1].ToString());
                    break;
                case Leaving.MidFrame:
                    client.Send($"SEND {Room(plan.Number % Rooms)} 100\nonly part of");
                    break;
                case Leaving.Fatal:
                    client.Send($"SEND {Room(plan.Number % Rooms)} 1001\n");
                    var last = await client.ExpectClosedAsync();
                    Assert.StartsWith("ERR TOO_LONG SEND", last[^2].ToString());
                    break;
            }
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>A client that sends its whole plan without reading a byte, then resets the connection.</summary>
    private static async Task RunBlindAsync(int port, Plan plan, SessionTracker sessions)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var frames = new StringBuilder($"NICK {plan.Nick}\n");
        foreach (var act in plan.Acts) frames.Append(Wire(act));
        await socket.SendAsync(Encoding.UTF8.GetBytes(frames.ToString()), SocketFlags.None);
        sessions.Sample();
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static string Wire(Act act) => act switch
    {
        Join j => $"JOIN {Room(j.Room)}\n",
        Part { Text: null } p => $"PART {Room(p.Room)}\n",
        Part p => $"PART {Room(p.Room)} :{p.Text}\n",
        Say { LengthForm: true } s => $"SEND {Room(s.Room)} {Encoding.UTF8.GetByteCount(s.Text)}\n{s.Text}\n",
        Say s => $"SEND {Room(s.Room)} :{s.Text}\n",
        Whisper w => $"SEND c{w.To} :{w.Text}\n",
        Names n => $"NAMES {Room(n.Room)}\n",
        SayAndWait s => $"SEND {Room(s.Room)} :{s.Text}\n",
        _ => throw new ArgumentOutOfRangeException(nameof(act)),
    };
}
