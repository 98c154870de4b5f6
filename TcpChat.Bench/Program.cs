using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TcpChat.Bench;
using TcpChat.Bench.Load;
using TcpChat.Bench.Protocols;
using TcpChat.Bench.Report;
using TcpChat.Bench.Workloads;

// Options every workload shares: the server, its protocol, its process, how to print.
var host = new Option<string>("--host") { Description = "server address", DefaultValueFactory = _ => "127.0.0.1" };
var port = new Option<int>("--port", "-p") { Description = "server port (default: the protocol's: 7777, 6667, 4222)" };
var protocol = new Option<string>("--protocol") { Description = "what the server speaks: tcpchat, irc, nats", DefaultValueFactory = _ => "tcpchat" };
var ircOper = new Option<string?>("--irc-oper") { Description = "IRC: name:password the sender OPERs with, then sets user mode +F (ngIRCd's flood exemption)" };
var serverPid = new Option<int?>("--server-pid") { Description = "the server's process id: CPU time from /proc/<pid>/stat, memory from /proc/<pid>/status" };
var label = new Option<string?>("--label") { Description = "the name results give the server (default: the protocol)" };
var perAddress = new Option<int>("--per-address") { Description = "connections per source address 127.0.0.x before the next one", DefaultValueFactory = _ => 25_000 };
var json = new Option<bool>("--json") { Description = "print the result as one JSON object instead of a table" };
var quiet = new Option<bool>("--quiet", "-q") { Description = "no progress on stderr" };
var size = new Option<int>("--size") { Description = "bytes of text per message", DefaultValueFactory = _ => 128 };
var concurrency = new Option<int>("--concurrency") { Description = "clients connecting and joining at once", DefaultValueFactory = _ => 50 };

var targets = new Option<string?>("--targets")
{
    Description = "the nodes of a cluster, host:port,host:port,...: receivers round-robin over them, the sender on the first "
        + "(instead of --host and --port)",
};

var systemPids = new Option<string?>("--system-pids")
{
    Description = "other processes of the system under test, pid,pid,... (a cluster's other nodes and engine servers): their "
        + "CPU time is counted with --server-pid's, and not as other processes'",
};

Option[] common = [host, port, protocol, ircOper, serverPid, label, perAddress, json, quiet];

// A list of process ids, or null when one is not a positive number.
int[]? Pids(string? list) =>
    (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is var items
    && items.All(x => int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0)
        ? items.Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray() : null;

// --targets or --host/--port, never both: one of them would be silently ignored.
string? TargetsProblem(ParseResult p) =>
    Pids(p.GetValue(systemPids)) is null ? $"--system-pids: '{p.GetValue(systemPids)}' is not a list of process ids (e.g. 1234,1240)"
    : p.GetValue(targets) is not { } list ? null
    : p.GetResult(host) is { Implicit: false } || p.GetResult(port) is { Implicit: false } ? "give --targets or --host/--port, not both"
    : Target.ParseNodes(list).Problem;

Target TargetOf(ParseResult p)
{
    var proto = ChatProtocol.Parse(p.GetValue(protocol)!, p.GetValue(ircOper));
    int portValue = p.GetValue(port) is > 0 and var v ? v : proto.DefaultPort;
    var target = p.GetValue(targets) is { } list
        ? Target.Spread(list, proto, p.GetValue(serverPid), p.GetValue(label) ?? proto.Name, p.GetValue(perAddress))
        : new Target(p.GetValue(host)!, portValue, proto, p.GetValue(serverPid), p.GetValue(label) ?? proto.Name, p.GetValue(perAddress));
    return target with { OtherPids = Pids(p.GetValue(systemPids)) ?? [] };
}

Command Workload(string name, string description, IEnumerable<Option> options,
    Func<ParseResult, string?> problem, Func<ParseResult, Target, ProgressLine, CancellationToken, Task<(string Table, object Json)>> run)
{
    var command = new Command(name, description);
    foreach (var o in common.Concat(options)) command.Options.Add(o);
    command.SetAction(async (p, cancel) =>
    {
        if (((command.Options.Contains(targets) ? TargetsProblem(p) : null) ?? problem(p)) is { } why)
        {
            Console.Error.WriteLine($"tcpchat-bench {name}: {why}");
            return 2;
        }
        try
        {
            var target = TargetOf(p);
            var interference = new InterferenceMeter(target.SystemPids);
            var (table, obj) = await run(p, target, ProgressLine.Stderr(p.GetValue(quiet)), cancel);
            double? other = interference.OtherCores();
            if (p.GetValue(json))
            {
                // What else the machine did meanwhile, so a reader can tell a quiet run from a disturbed one.
                var node = JsonSerializer.SerializeToNode(obj)!.AsObject();
                node["otherCores"] = other is double o ? Math.Round(o, 3) : null;
                Console.WriteLine(node.ToJsonString());
            }
            else
            {
                Console.WriteLine(table + (other is double o ? $"other processes used {o:0.00} cores meanwhile{(o > 0.1 ? ": the figures are suspect" : "")}" : ""));
            }
            return 0;
        }
        catch (BenchException e)
        {
            Console.Error.WriteLine($"tcpchat-bench {name}: {e.Message}");
            return 1;
        }
    });
    return command;
}

double[] Numbers(string? list) => (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
    .Select(x => double.TryParse(x.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : double.NaN)
    .ToArray();

// fanout
var fReceivers = new Option<int>("--receivers", "-r") { Description = "connections that only receive", DefaultValueFactory = _ => 1000 };
var fRates = new Option<string>("--rates") { Description = "messages/s tried in turn, until one fails", DefaultValueFactory = _ => string.Join(',', FanoutSettings.DefaultRates) };
var fStep = new Option<double>("--step-seconds") { Description = "how long each rate is sent", DefaultValueFactory = _ => 3 };
var fRefine = new Option<int>("--refine") { Description = "bisection steps between the last rate that passed and the first that failed", DefaultValueFactory = _ => 3 };
var fLag = new Option<double>("--max-lag-ms") { Description = "p99 latency above which a step counts as the server falling behind", DefaultValueFactory = _ => 500 };
var fWarm = new Option<double>("--warmup-seconds") { Description = "a first step at the lowest rate, not counted", DefaultValueFactory = _ => 1 };
FanoutSettings FanoutOf(ParseResult p) => new(p.GetValue(fReceivers), p.GetValue(size), Numbers(p.GetValue(fRates)), p.GetValue(fStep),
    p.GetValue(fRefine), p.GetValue(fLag), p.GetValue(fWarm), p.GetValue(concurrency));
var fanout = Workload("fanout",
    "Fan-out: N receivers and 1 sender in one room; the rate is stepped up open loop; reports the highest deliveries/s with "
    + "no loss and no disconnect, and server CPU per delivery (--server-pid).",
    [targets, systemPids, fReceivers, size, fRates, fStep, fRefine, fLag, fWarm, concurrency], p => FanoutOf(p).Problem(),
    async (p, t, progress, cancel) =>
    {
        var r = await FanoutWorkload.RunAsync(t, FanoutOf(p), progress, cancel);
        return (r.ToTable(), r.ToJsonObject());
    });

// latency
var lReceivers = new Option<int>("--receivers", "-r") { Description = "connections that only receive", DefaultValueFactory = _ => 1000 };
var lRate = new Option<double>("--rate") { Description = "messages/s, fixed", DefaultValueFactory = _ => 200 };
var lSeconds = new Option<double>("--seconds") { Description = "how long it is measured", DefaultValueFactory = _ => 10 };
var lWarm = new Option<double>("--warmup-seconds") { Description = "sent first, not measured", DefaultValueFactory = _ => 2 };
LatencySettings LatencyOf(ParseResult p) => new(p.GetValue(lReceivers), p.GetValue(size), p.GetValue(lRate), p.GetValue(lSeconds),
    p.GetValue(lWarm), p.GetValue(concurrency));
var latency = Workload("latency",
    "Latency: the fan-out room at a fixed rate; p50, p99, p99.9, max of send-to-receive from each message's scheduled send time.",
    [targets, systemPids, lReceivers, size, lRate, lSeconds, lWarm, concurrency], p => LatencyOf(p).Problem(),
    async (p, t, progress, cancel) =>
    {
        var r = await LatencyWorkload.RunAsync(t, LatencyOf(p), progress, cancel);
        return (r.ToTable(), r.ToJsonObject());
    });

// rooms
var rClients = new Option<int>("--clients", "-c") { Description = "clients, each in one room", DefaultValueFactory = _ => 10_000 };
var rRoomSize = new Option<int>("--room-size") { Description = "clients per room", DefaultValueFactory = _ => 10 };
var rInterval = new Option<double>("--interval") { Description = "seconds between two messages of one client", DefaultValueFactory = _ => 10 };
var rSeconds = new Option<double>("--seconds") { Description = "how long it is measured", DefaultValueFactory = _ => 30 };
var rWarm = new Option<double>("--warmup-seconds") { Description = "sent first, not measured (default: one interval)" };
RoomsSettings RoomsOf(ParseResult p) => new(p.GetValue(rClients), p.GetValue(rRoomSize), p.GetValue(rInterval), p.GetValue(rSeconds),
    p.GetResult(rWarm) is null ? p.GetValue(rInterval) : p.GetValue(rWarm), p.GetValue(size), p.GetValue(concurrency));
var rooms = Workload("rooms",
    "Many rooms: clients in rooms of 10, each sending every 10 s, spread evenly; p99 latency and server CPU.",
    [rClients, rRoomSize, rInterval, rSeconds, rWarm, size, concurrency], p => RoomsOf(p).Problem(),
    async (p, t, progress, cancel) =>
    {
        var r = await RoomsWorkload.RunAsync(t, RoomsOf(p), progress, cancel);
        return (r.ToTable(), r.ToJsonObject());
    });

// idle
var iConnections = new Option<int>("--connections", "-n") { Description = "idle clients", DefaultValueFactory = _ => 10_000 };
var iRoomSize = new Option<int>("--room-size") { Description = "clients per room", DefaultValueFactory = _ => 10 };
var iSettle = new Option<double>("--settle-seconds") { Description = "wait after the last join before reading memory", DefaultValueFactory = _ => 5 };
IdleSettings IdleOf(ParseResult p) => new(p.GetValue(iConnections), p.GetValue(iRoomSize), p.GetValue(iSettle), p.GetValue(concurrency));
var idle = Workload("idle",
    "Idle connections: N registered clients in rooms, saying nothing; server RSS above baseline per connection, connections per second.",
    [iConnections, iRoomSize, iSettle, concurrency], p => IdleOf(p).Problem(),
    async (p, t, progress, cancel) =>
    {
        var r = await IdleWorkload.RunAsync(t, IdleOf(p), progress, cancel);
        return (r.ToTable(), r.ToJsonObject());
    });

// growth
var gReceivers = new Option<string>("--receivers", "-r") { Description = "room sizes tried", DefaultValueFactory = _ => "10,100,1000,5000" };
var gRates = new Option<string>("--delivery-rates") { Description = "deliveries/s tried at each size, until one fails", DefaultValueFactory = _ => string.Join(',', GrowthSettings.DefaultDeliveryRates) };
GrowthSettings GrowthOf(ParseResult p) => new(Numbers(p.GetValue(gReceivers)).Select(x => double.IsFinite(x) ? (int)x : 0).ToArray(),
    p.GetValue(size), Numbers(p.GetValue(gRates)), p.GetValue(fStep), p.GetValue(fRefine), p.GetValue(fLag), p.GetValue(fWarm),
    p.GetValue(concurrency));
var growth = Workload("growth",
    "Growth: the fan-out search at 10, 100, 1,000 and 5,000 receivers: deliveries/s and server CPU per delivery at each.",
    [targets, systemPids, gReceivers, size, gRates, fStep, fRefine, fLag, fWarm, concurrency], p => GrowthOf(p).Problem(),
    async (p, t, progress, cancel) =>
    {
        var r = await GrowthWorkload.RunAsync(t, GrowthOf(p), progress, cancel);
        return (r.ToTable(), r.ToJsonObject());
    });

// storm
var sCommand = new Option<string>("--server-command") { Description = "how to start the server (it is restarted): e.g. 'dotnet TcpChat.Server/bin/Release/net10.0/tcpchat-server.dll --port 7777 --max-connections-per-address 30000'" };
var sClients = new Option<int>("--clients", "-c") { Description = "clients in the room", DefaultValueFactory = _ => 10_000 };
var sRoom = new Option<string>("--room") { Description = "the room the clients are in: the server's default room, by default", DefaultValueFactory = _ => "#lobby" };
var sSettle = new Option<double>("--settle-seconds") { Description = "wait after everyone is in before reading memory", DefaultValueFactory = _ => 3 };
var sLeave = new Option<double>("--leave-seconds") { Description = "after the storm, everyone leaves; RSS is read this long after (0: not)", DefaultValueFactory = _ => 60 };
var sMax = new Option<double>("--max-seconds") { Description = "give up the connecting, or the storm, after this long", DefaultValueFactory = _ => 300 };
StormSettings StormOf(ParseResult p) => new(p.GetValue(sCommand) ?? "", p.GetValue(sClients), p.GetValue(sRoom)!, p.GetValue(concurrency),
    p.GetValue(sSettle), p.GetValue(sLeave), p.GetValue(sMax));
var storm = Workload("storm",
    "Reconnect storm: starts the server (--server-command), connects N clients into the default room, restarts the server "
    + "(SIGTERM, start again); every client reconnects with tcpchat's backoff and jitter. Time until all are back in, "
    + "peak RSS, CPU, slow consumers; then RSS a minute after everyone left.",
    [sCommand, sClients, sRoom, sSettle, sLeave, sMax, concurrency], p => StormOf(p).Problem(),
    async (p, t, progress, cancel) =>
    {
        var r = await StormWorkload.RunAsync(t, StormOf(p), progress, cancel);
        return (r.ToTable(), r.ToJsonObject());
    });

// burst: the closed-loop fan-out of bench/history.sh
var bReceivers = new Option<int>("--receivers", "-r") { Description = "connections that only receive", DefaultValueFactory = _ => 100 };
var bMessages = new Option<int>("--messages", "-m") { Description = "messages the sender sends", DefaultValueFactory = _ => 20_000 };
var bWindow = new Option<int>("--window", "-w") { Description = "messages sent and not yet received by everyone, at most", DefaultValueFactory = _ => 1000 };
var burst = new Command("burst",
    "Closed-loop fan-out of a TcpChat server (bench/history.sh): N receivers and 1 sender in one new room; the sender sends M "
    + "messages as fast as the slowest receiver keeps up, and the time until every receiver has every message is measured.")
{
    host, port, bReceivers, bMessages, size, bWindow, json,
};
burst.SetAction(async (p, cancel) =>
{
    var settings = new BurstSettings(p.GetValue(host)!, p.GetValue(port) is > 0 and var v ? v : TcpChat.Protocol.ProtocolDefaults.Port,
        p.GetValue(bReceivers), p.GetValue(bMessages), p.GetValue(size), p.GetValue(bWindow));
    if (settings.Problem() is { } problem)
    {
        Console.Error.WriteLine($"tcpchat-bench burst: {problem}");
        return 2;
    }
    try
    {
        var result = await Burst.RunAsync(settings, p.GetValue(json) ? null : Console.Error, cancel);
        Console.WriteLine(p.GetValue(json) ? result.ToJson() : result.ToText());
        return 0;
    }
    catch (BenchException e)
    {
        Console.Error.WriteLine($"tcpchat-bench burst: {e.Message}");
        return 1;
    }
});

// report: docs/benchmarks.md from the JSON lines of a comparison
var results = new Option<string>("--results") { Description = "JSON lines: {\"round\":n,\"config\":...,\"result\":{...}} per run", Required = true };
var machine = new Option<string?>("--machine") { Description = "markdown describing the machine and the servers" };
var commands = new Option<string?>("--commands") { Description = "the exact commands run, as text" };
var profile = new Option<string?>("--profile") { Description = "markdown of the profile of the TcpChat server" };
var notes = new Option<string?>("--notes") { Description = "markdown written by hand, placed after the goals" };
var output = new Option<string>("--out") { Description = "the markdown file to write", DefaultValueFactory = _ => "docs/benchmarks.md" };
var svg = new Option<string?>("--svg") { Description = "the SVG chart to write (default: next to --out, .svg)" };
var report = new Command("report", "Writes docs/benchmarks.md and its SVG chart from the results of bench/compare.sh.")
{
    results, machine, commands, profile, notes, output, svg,
};
report.SetAction(p =>
{
    try
    {
        string outPath = p.GetValue(output)!;
        string svgPath = p.GetValue(svg) ?? Path.ChangeExtension(outPath, ".svg");
        string Read(Option<string?> o) => p.GetValue(o) is { } f && File.Exists(f) ? File.ReadAllText(f) : "";
        var runs = RunRecord.Load(p.GetValue(results)!);
        var md = BenchReport.Markdown(runs, Read(machine), Read(commands), Read(profile), Read(notes), Path.GetFileName(svgPath));
        File.WriteAllText(outPath, md);
        File.WriteAllText(svgPath, BenchReport.Chart(runs));
        Console.WriteLine($"wrote {outPath} and {svgPath} from {runs.Count} runs");
        return 0;
    }
    catch (Exception e) when (e is BenchException or IOException or JsonException)
    {
        Console.Error.WriteLine($"tcpchat-bench report: {e.Message}");
        return 1;
    }
});

var root = new RootCommand("tcpchat-bench: load generator for TcpChat, and for IRC and NATS servers to compare it with (see bench/)")
{
    fanout, latency, rooms, idle, growth, storm, burst, report,
};
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // One line naming what was wrong, and exit code 2, as for a bad value: never a flag silently ignored.
    Console.Error.WriteLine(CommandLineErrors.OneLine(parsed));
    return 2;
}
return await parsed.InvokeAsync();
