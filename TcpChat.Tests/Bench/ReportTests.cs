using System.Xml.Linq;
using TcpChat.Bench.Report;

namespace TcpChat.Tests.Bench;

public sealed class ReportTests
{
    private static string Fanout(double deliveries, double ns) =>
        $"{{\"workload\":\"fanout\",\"receivers\":1000,\"best\":{{\"deliveriesPerSecond\":{deliveries},\"cpuNsPerDelivery\":{ns},\"clientCpuShare\":0.5}}}}";

    private static string Latency(double p99) =>
        $"{{\"workload\":\"latency\",\"receivers\":1000,\"rate\":200,\"latencyMs\":{{\"p50\":1,\"p99\":{p99},\"p999\":9,\"max\":12}}}}";

    private static string Idle(double bytes) =>
        $"{{\"workload\":\"idle\",\"connections\":10000,\"bytesPerConnection\":{bytes},\"acceptsPerSecond\":5000}}";

    private static string Growth(params (int Receivers, double Ns)[] points) =>
        "{\"workload\":\"growth\",\"points\":[" + string.Join(',', points.Select(p =>
            $"{{\"receivers\":{p.Receivers},\"deliveriesPerSecond\":{1e9 / p.Ns},\"cpuNsPerDelivery\":{p.Ns}}}")) + "]}";

    private static List<RunRecord> Runs(params (int Round, string Config, string Result)[] runs)
    {
        string path = Path.GetTempFileName();
        File.WriteAllLines(path, runs.Select(r => $"{{\"round\":{r.Round},\"config\":\"{r.Config}\",\"result\":{r.Result}}}")
            .Append("{\"round\":2,\"config\":\"ngircd\",\"workload\":\"idle\",\"error\":\"exit 1: cannot connect\"}"));
        try { return RunRecord.Load(path); }
        finally { File.Delete(path); }
    }

    private static readonly List<RunRecord> Sample = Runs(
        (1, "tcpchat", Fanout(3_000_000, 300)), (2, "tcpchat", Fanout(2_000_000, 400)), (3, "tcpchat", Fanout(2_600_000, 350)),
        (1, "ngircd", Fanout(1_000_000, 900)), (1, "inspircd", Fanout(1_500_000, 600)), (1, "nats", Fanout(3_000_000, 200)),
        (1, "tcpchat", Latency(4)), (1, "ngircd", Latency(5)), (1, "inspircd", Latency(3)),
        (1, "tcpchat", Idle(5_000)), (1, "ngircd", Idle(3_000)),
        (1, "tcpchat", Growth((10, 900), (100, 400), (1000, 420), (5000, 480))), (1, "nats", Growth((10, 500), (100, 200))));

    [Fact]
    public void MediansAndRangesAreTakenOverTheRounds()
    {
        var fanout = BenchReport.Metrics(Sample).First(m => m.Workload == "fanout");
        Assert.Equal(new Summary(2_600_000, 2_000_000, 3_000_000, 3), BenchReport.Summarize(Sample, fanout, "tcpchat"));
        Assert.Equal(new Summary(2.5, 1, 4, 4), Summary.Of([4, 1, 3, 2]));
        Assert.Null(Summary.Of([]));
    }

    [Fact]
    public void EachGoalIsJudgedOnTheMediansWithItsFigure()
    {
        var goals = BenchReport.Goals(Sample, BenchReport.Metrics(Sample));
        Assert.Equal(4, goals.Count);
        Assert.Contains("**met**", goals[0]); // 2.6M >= 1.5 x 1.5M and >= 0.8 x 3M
        Assert.Contains("ratio 1.73", goals[0]);
        Assert.Contains("**not met**", goals[1]); // 4 ms is not below InspIRCd's 3 ms
        Assert.Contains("**met**", goals[2]); // 4.88 KiB
        Assert.Contains("4.88 KiB", goals[2]);
        Assert.Contains("**met**", goals[3]); // 480 / 400 = 1.2
        Assert.Contains("1.20", goals[3]);
    }

    [Fact]
    public void TheMarkdownHasTheTablesTheRatiosAndTheFailedRuns()
    {
        string md = BenchReport.Markdown(Sample, "- CPU: test", "bench/compare.sh --quick", "", "Notes by hand.", "benchmarks.svg");
        Assert.Contains("| | tcpchat | ngircd | inspircd | nats |", md);
        Assert.Contains("2,600,000<br><sub>2,000,000-3,000,000</sub>", md);
        Assert.Contains("| | tcpchat / ngircd | tcpchat / inspircd | tcpchat / nats |", md);
        Assert.Contains("**2.60**", md); // fan-out against ngIRCd
        Assert.Contains("round 2, ngircd, idle: exit 1: cannot connect", md);
        Assert.Contains("![", md);
        Assert.Contains("Notes by hand.", md);
        Assert.Contains("bench/compare.sh --quick", md);
    }

    [Fact]
    public void TheChartIsWellFormedSvgWithABarPerServer()
    {
        var svg = XDocument.Parse(BenchReport.Chart(Sample));
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", svg.Root!.Name);
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Contains("Fan-out: deliveries/s, no loss (higher is better)", texts);
        Assert.Contains("2.6M", texts);
        Assert.Contains("nats", texts);
        Assert.NotEmpty(svg.Descendants(ns + "polyline")); // the growth curve
    }

    [Fact]
    public void AxisTopsAreRoundNumbers()
    {
        Assert.Equal(1, Svg.Nice(0.7));
        Assert.Equal(2_500_000, Svg.Nice(2_100_000));
        Assert.Equal(5, Svg.Nice(4.2));
        Assert.Equal(10, Svg.Nice(7));
    }
}
