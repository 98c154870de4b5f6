using System.Globalization;
using System.Text;

namespace TcpChat.Bench.Report;

/// <summary>One figure of the comparison, read from each run of one workload.</summary>
public sealed record Metric(string Workload, string Title, string Unit, string Format, bool HigherIsBetter, Func<RunRecord, double?> Value);

/// <summary>The median, min and max of a metric over the rounds of one configuration.</summary>
public sealed record Summary(double Median, double Min, double Max, int Runs)
{
    public static Summary? Of(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return null;
        double median = v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
        return new Summary(median, v[0], v[^1], v.Length);
    }
}

/// <summary>
/// docs/benchmarks.md from the runs of bench/compare.sh: medians with min-max per configuration, TcpChat's ratio to each
/// peer, the goals of issue 7 each met or not with its figure, the chart, the machine and the commands.
/// </summary>
public static class BenchReport
{
    /// <summary>The TcpChat configuration the goals are judged on: like the peers, it keeps no history on disk.</summary>
    public const string Subject = "tcpchat";

    public const string HistoryConfig = "tcpchat-history";

    /// <summary>TcpChat with its default room, #lobby, which every client joins on registering (idle workload only).</summary>
    public const string LobbyConfig = "tcpchat-lobby";

    public static readonly string[] IrcPeers = ["ngircd", "inspircd"];

    public const string NatsPeer = "nats";

    public static IReadOnlyList<Metric> Metrics(IReadOnlyList<RunRecord> runs)
    {
        string receivers = runs.FirstOrDefault(r => r.Workload == "fanout")?.Number("receivers") is double n ? $"{n:0} receivers" : "N receivers";
        string lat = runs.FirstOrDefault(r => r.Workload == "latency") is { } l
            ? $"{l.Number("receivers"):0} receivers, {l.Number("rate"):0} msg/s" : "";
        string rooms = runs.FirstOrDefault(r => r.Workload == "rooms") is { } rm
            ? $"{rm.Number("clients"):0} clients in rooms of {rm.Number("roomSize"):0}" : "";
        string idle = runs.FirstOrDefault(r => r.Workload == "idle") is { } id ? $"{id.Number("connections"):0} connections" : "";
        var list = new List<Metric>
        {
            new("fanout", $"Fan-out, {receivers}: deliveries/s, no loss", "deliveries/s", "N0", true, r => r.Number("best.deliveriesPerSecond")),
            new("fanout", "Fan-out: server CPU per delivery", "ns", "0", false, r => r.Number("best.cpuNsPerDelivery")),
            new("fanout", "Fan-out: load generator's CPU at that step", "% of its core", "0", false, r => r.Number("best.clientCpuShare") * 100),
            new("latency", $"Latency ({lat}): p50", "ms", "0.000", false, r => r.Number("latencyMs.p50")),
            new("latency", "Latency: p99", "ms", "0.000", false, r => r.Number("latencyMs.p99")),
            new("latency", "Latency: p99.9", "ms", "0.000", false, r => r.Number("latencyMs.p999")),
            new("latency", "Latency: max", "ms", "0.000", false, r => r.Number("latencyMs.max")),
            new("rooms", $"Many rooms ({rooms}): p99", "ms", "0.000", false, r => r.Number("latencyMs.p99")),
            new("rooms", "Many rooms: server CPU", "% of a core", "0.0", false, r => r.Number("serverCpuShare") * 100),
            new("rooms", "Many rooms: deliveries lost", "", "0", false, r => r.Number("lost")),
            new("idle", $"Idle ({idle}): memory per connection", "KiB", "0.00", false, r => r.Number("bytesPerConnection") / 1024),
            new("idle", "Idle: memory per connection, marginal (second half)", "KiB", "0.00", false, r => r.Number("marginalBytesPerConnection") / 1024),
            new("idle", "Idle: connections accepted and joined per second", "/s", "N0", true, r => r.Number("acceptsPerSecond")),
        };
        foreach (int size in runs.Where(r => r.Workload == "growth").SelectMany(r => r.GrowthSizes()).Distinct().Order())
        {
            list.Add(new("growth", $"Growth, {size} receivers: deliveries/s", "deliveries/s", "N0", true, r => r.GrowthPoint(size, "deliveriesPerSecond")));
            list.Add(new("growth", $"Growth, {size} receivers: server CPU per delivery", "ns", "0", false, r => r.GrowthPoint(size, "cpuNsPerDelivery")));
        }
        return list;
    }

    public static List<string> Configs(IReadOnlyList<RunRecord> runs)
    {
        List<string> order = [Subject, HistoryConfig, LobbyConfig, .. IrcPeers, NatsPeer];
        var seen = runs.Select(r => r.Config).Distinct().ToList();
        return [.. order.Where(seen.Contains), .. seen.Where(c => !order.Contains(c))];
    }

    /// <summary>Runs during which other processes used more than this many cores are left out when there are others.</summary>
    public const double SuspectOtherCores = 0.1;

    /// <summary>
    /// The metric over the rounds of one configuration: over the runs the machine was quiet for, when there are any;
    /// over all of them otherwise.
    /// </summary>
    public static Summary? Summarize(IReadOnlyList<RunRecord> runs, Metric m, string config)
    {
        var mine = runs.Where(r => r.Config == config && r.Workload == m.Workload && r.Error is null && m.Value(r) is double d && double.IsFinite(d)).ToList();
        var quiet = mine.Where(r => !(r.OtherCores > SuspectOtherCores)).ToList();
        return Summary.Of((quiet.Count > 0 ? quiet : mine).Select(r => m.Value(r)!.Value));
    }

    public static string Markdown(IReadOnlyList<RunRecord> runs, string machine, string commands, string profile, string notes, string svgName)
    {
        var configs = Configs(runs);
        var metrics = Metrics(runs).Where(m => configs.Any(c => Summarize(runs, m, c) is not null)).ToList();
        int rounds = runs.Count == 0 ? 0 : runs.Max(r => r.Round);
        var sb = new StringBuilder();
        sb.AppendLine("# Benchmarks: TcpChat beside ngIRCd, InspIRCd and nats-server");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Written by `bench/compare.sh` (`tcpchat-bench report`) on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC from {runs.Count} runs over {rounds} round(s); run it again to refresh this file. Issue 7 asks for it.");
        sb.AppendLine("Every server faces the same load generator, `tcpchat-bench`, speaking its protocol; server and load generator are pinned to different cores.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"`{Subject}` is TcpChat with `--no-history` (like the peers, nothing is written to disk); `{HistoryConfig}` is TcpChat as it ships, storing every message in SQLite before delivering it; `{LobbyConfig}` (idle only) is TcpChat with its default room, `#lobby`, which every client joins on registering: one room of all the connections (issue 17).");
        sb.AppendLine();

        sb.AppendLine("## Goals");
        sb.AppendLine();
        foreach (var line in Goals(runs, metrics)) sb.AppendLine(line);
        sb.AppendLine();
        if (!string.IsNullOrWhiteSpace(notes))
        {
            sb.AppendLine(notes.Trim());
            sb.AppendLine();
        }

        sb.AppendLine("## Results");
        sb.AppendLine();
        sb.AppendLine("Median over the rounds, with min-max below it when there was more than one round; runs during which other processes took");
        sb.AppendLine(CultureInfo.InvariantCulture, $"more than {SuspectOtherCores} of a core are left out when the same server has undisturbed runs (see [Every run](#every-run)).");
        sb.AppendLine();
        sb.AppendLine("| | " + string.Join(" | ", configs) + " |");
        sb.AppendLine("|---|" + string.Concat(configs.Select(_ => "---:|")));
        foreach (var m in metrics)
        {
            var cells = configs.Select(c => Summarize(runs, m, c) is { } s ? Cell(s, m) : "-");
            sb.AppendLine($"| {m.Title}{(m.Unit.Length > 0 ? $" ({m.Unit})" : "")} | " + string.Join(" | ", cells) + " |");
        }
        sb.AppendLine();

        sb.AppendLine("### TcpChat against each peer");
        sb.AppendLine();
        var peers = configs.Where(c => c != Subject).ToList();
        sb.AppendLine("TcpChat's median divided by the peer's: above 1 is more for TcpChat; for figures where lower is better, below 1 is TcpChat ahead.");
        sb.AppendLine();
        sb.AppendLine("| | " + string.Join(" | ", peers.Select(p => $"{Subject} / {p}")) + " |");
        sb.AppendLine("|---|" + string.Concat(peers.Select(_ => "---:|")));
        foreach (var m in metrics)
        {
            if (Summarize(runs, m, Subject) is not { } mine) continue;
            var cells = peers.Select(p => Summarize(runs, m, p) is { Median: > 0 } other
                ? Mark((mine.Median / other.Median).ToString("0.00", CultureInfo.InvariantCulture), mine.Median, other.Median, m.HigherIsBetter)
                : "-");
            sb.AppendLine($"| {m.Title} | " + string.Join(" | ", cells) + " |");
        }
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"![fan-out, latency, idle memory and growth of each server]({svgName})");
        sb.AppendLine();

        if (runs.Any(r => r.Error is not null))
        {
            sb.AppendLine("### Runs that did not finish");
            sb.AppendLine();
            foreach (var r in runs.Where(r => r.Error is not null))
                sb.AppendLine(CultureInfo.InvariantCulture, $"- round {r.Round}, {r.Config}, {r.Workload}: {r.Error}");
            sb.AppendLine();
        }

        if (!string.IsNullOrWhiteSpace(profile))
        {
            sb.AppendLine("## Profile of the TcpChat server");
            sb.AppendLine();
            sb.AppendLine(profile.Trim());
            sb.AppendLine();
        }
        if (!string.IsNullOrWhiteSpace(machine))
        {
            sb.AppendLine("## Machine");
            sb.AppendLine();
            sb.AppendLine(machine.Trim());
            sb.AppendLine();
        }
        if (!string.IsNullOrWhiteSpace(commands))
        {
            sb.AppendLine("## Commands");
            sb.AppendLine();
            sb.AppendLine("```");
            sb.AppendLine(commands.Trim());
            sb.AppendLine("```");
            sb.AppendLine();
        }

        sb.AppendLine("## Every run");
        sb.AppendLine();
        sb.AppendLine("`other cores`: CPU that other processes on the machine used during the run, in cores, as the load generator measured it");
        sb.AppendLine("(all cores' busy time less the server's and its own), over the whole run. Above 0.1 the run shared the machine and its figures are suspect.");
        var suspect = runs.Where(r => r.OtherCores > SuspectOtherCores).ToList();
        if (suspect.Count > 0)
            sb.AppendLine(CultureInfo.InvariantCulture, $"{suspect.Count} of {runs.Count(r => r.Error is null)} runs did (marked **!**): the machine is shared.");
        sb.AppendLine();
        foreach (var workload in runs.Where(r => r.Error is null).Select(r => r.Workload).Distinct())
        {
            var mine = metrics.Where(m => m.Workload == workload).ToList();
            if (mine.Count == 0) continue;
            sb.AppendLine("| round | config | other cores | " + string.Join(" | ", mine.Select(m => m.Title)) + " |");
            sb.AppendLine("|---|---|---:|" + string.Concat(mine.Select(_ => "---:|")));
            foreach (var r in runs.Where(r => r.Error is null && r.Workload == workload).OrderBy(r => r.Config).ThenBy(r => r.Round))
            {
                var cells = mine.Select(m => m.Value(r) is double v && double.IsFinite(v) ? v.ToString(m.Format, CultureInfo.InvariantCulture) : "");
                string other = r.OtherCores is double o ? o.ToString("0.00", CultureInfo.InvariantCulture) + (o > SuspectOtherCores ? " **!**" : "") : "";
                sb.AppendLine($"| {r.Round} | {r.Config} | {other} | " + string.Join(" | ", cells) + " |");
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>The goals of issue 7, each judged on the medians: met, not met, or not measured.</summary>
    public static List<string> Goals(IReadOnlyList<RunRecord> runs, IReadOnlyList<Metric> metrics)
    {
        var goals = new List<string>();
        double? Med(string workload, string titleStart, string config) =>
            metrics.FirstOrDefault(m => m.Workload == workload && m.Title.StartsWith(titleStart, StringComparison.Ordinal)) is { } m
                ? Summarize(runs, m, config)?.Median : null;
        string F(double? v, string format) => v is double d ? d.ToString(format, CultureInfo.InvariantCulture) : "?";
        string Verdict(bool? met) => met switch { true => "**met**", false => "**not met**", null => "**not measured**" };

        // 1. Fan-out at least 1.5x the better IRC server and 0.8x nats-server.
        double? mine = Med("fanout", "Fan-out,", Subject);
        var irc = IrcPeers.Select(p => (p, v: Med("fanout", "Fan-out,", p))).Where(x => x.v is not null).ToList();
        double? bestIrc = irc.Count == 0 ? null : irc.Max(x => x.v);
        double? nats = Med("fanout", "Fan-out,", NatsPeer);
        bool? g1 = mine is double a && bestIrc is double b && nats is double c ? a >= 1.5 * b && a >= 0.8 * c : null;
        goals.Add($"1. Fan-out deliveries/s at least 1.5x the better of ngIRCd and InspIRCd, and at least 0.8x nats-server: {Verdict(g1)}. "
            + $"TcpChat {F(mine, "N0")}/s; best IRC {F(bestIrc, "N0")}/s (ratio {F(mine / bestIrc, "0.00")}, goal 1.5); "
            + $"nats-server {F(nats, "N0")}/s (ratio {F(mine / nats, "0.00")}, goal 0.8)."
            + (Med("fanout", "Fan-out: load generator", NatsPeer) is > 90 ? " The load generator's core was saturated in nats-server's best step: its figure is a floor, the client's limit." : ""));

        // 2. p99 latency below every IRC peer.
        double? p99 = Med("latency", "Latency: p99", Subject);
        var ircP99 = IrcPeers.Select(p => (p, v: Med("latency", "Latency: p99", p))).Where(x => x.v is not null).ToList();
        bool? g2 = p99 is double l && ircP99.Count > 0 ? ircP99.All(x => l < x.v) : null;
        goals.Add($"2. Latency p99 below every IRC server: {Verdict(g2)}. TcpChat {F(p99, "0.000")} ms; "
            + string.Join(", ", ircP99.Select(x => $"{x.p} {F(x.v, "0.000")} ms")) + ".");

        // 3. Idle memory at most 6 KB per connection at 10,000 connections.
        double? kib = Med("idle", "Idle (", Subject);
        double? conns = runs.FirstOrDefault(r => r.Workload == "idle" && r.Config == Subject)?.Number("connections");
        double? marginal = Med("idle", "Idle: memory per connection, marginal", Subject);
        bool? g3 = kib is double k ? k <= 6.0 : null;
        goals.Add($"3. Idle memory per connection at most 6 KiB at 10,000 connections: {Verdict(g3)}. TcpChat {F(kib, "0.00")} KiB "
            + $"at {F(conns, "N0")} connections (RSS above the baseline / N; the second half's alone: {F(marginal, "0.00")} KiB each); "
            + string.Join(", ", Configs(runs).Where(c => c != Subject)
                .Select(c => $"{c} {F(Med("idle", "Idle (", c), "0.00")} KiB")) + "."
            + (conns is double n && n < 10_000 ? " (Fewer connections than the goal names: see the commands.)" : ""));

        // 4. Per-delivery cost flat within 25% from 100 to 5,000 receivers.
        var costs = metrics.Where(m => m.Workload == "growth" && m.Title.EndsWith("server CPU per delivery", StringComparison.Ordinal))
            .Select(m => (size: int.Parse(m.Title.Split(' ', ',')[2], CultureInfo.InvariantCulture), v: Summarize(runs, m, Subject)?.Median))
            .Where(x => x.size >= 100 && x.v is not null).ToList();
        bool? g4 = costs.Count >= 2 ? costs.Max(x => x.v!.Value) <= 1.25 * costs.Min(x => x.v!.Value) : null;
        goals.Add($"4. Server CPU per delivery flat within 25% from 100 to 5,000 receivers: {Verdict(g4)}. TcpChat "
            + (costs.Count == 0 ? "?" : string.Join(", ", costs.Select(x => $"{F(x.v, "0")} ns at {x.size}")))
            + (costs.Count >= 2 ? $" (highest / lowest {F(costs.Max(x => x.v) / costs.Min(x => x.v), "0.00")}, goal at most 1.25)." : "."));
        return goals;
    }

    public static string Chart(IReadOnlyList<RunRecord> runs)
    {
        var configs = Configs(runs);
        var metrics = Metrics(runs);
        var svg = new Svg(columns: 2);
        foreach (string c in configs) svg.ColorOf(c);
        List<Bar> BarsOf(Metric m, double scale = 1) => configs
            .Select(c => (c, s: Summarize(runs, m, c))).Where(x => x.s is not null)
            .Select(x => new Bar(x.c, x.s!.Median * scale, x.s.Min * scale, x.s.Max * scale)).ToList();
        Metric? Find(string workload, string start) =>
            metrics.FirstOrDefault(m => m.Workload == workload && m.Title.StartsWith(start, StringComparison.Ordinal));
        if (Find("fanout", "Fan-out,") is { } f) svg.Bars("Fan-out: deliveries/s, no loss (higher is better)", "deliveries/s", BarsOf(f));
        if (Find("latency", "Latency: p99") is { } p) svg.Bars("Latency p99, ms (lower is better)", "ms", BarsOf(p));
        if (Find("idle", "Idle (") is { } i) svg.Bars("Idle memory per connection, KiB (lower is better)", "KiB", BarsOf(i));
        var lines = configs.Select(c => new Line(c, metrics
                .Where(m => m.Workload == "growth" && m.Title.EndsWith("server CPU per delivery", StringComparison.Ordinal))
                .Select(m => (size: double.Parse(m.Title.Split(' ', ',')[2], CultureInfo.InvariantCulture), s: Summarize(runs, m, c)))
                .Where(x => x.s is not null).Select(x => (x.size, x.s!.Median)).ToList()))
            .Where(l => l.Points.Count > 0).ToList();
        if (lines.Count > 0) svg.Lines("Growth: server CPU per delivery (lower is better)", "receivers in the room", "ns per delivery", lines);
        return svg.ToString();
    }

    private static string Cell(Summary s, Metric m)
    {
        string v = s.Median.ToString(m.Format, CultureInfo.InvariantCulture);
        return s.Runs > 1 && s.Max > s.Min
            ? $"{v}<br><sub>{s.Min.ToString(m.Format, CultureInfo.InvariantCulture)}-{s.Max.ToString(m.Format, CultureInfo.InvariantCulture)}</sub>"
            : v;
    }

    private static string Mark(string ratio, double mine, double other, bool higherIsBetter) =>
        (higherIsBetter ? mine > other : mine < other) ? $"**{ratio}**" : ratio;
}
