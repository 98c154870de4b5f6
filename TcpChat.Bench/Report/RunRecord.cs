using System.Text.Json;

namespace TcpChat.Bench.Report;

/// <summary>
/// One run of one workload against one server configuration, as bench/compare.sh records it: a JSON line
/// <c>{"round":1,"config":"tcpchat","result":{...the workload's --json...}}</c>, or <c>"error"</c> instead of a result.
/// </summary>
public sealed record RunRecord(int Round, string Config, string Workload, JsonElement? Result, string? Error, double? BusyBefore = null)
{
    /// <summary>
    /// Cores' worth of CPU other processes used during the run (the load generator's measure), if known; for fan-out,
    /// during the step the figure comes from (a disturbed failed step is tried again, so it should not count).
    /// </summary>
    public double? OtherCores => Number("best.otherCores") ?? Number("otherCores");

    public static List<RunRecord> Load(string path)
    {
        var runs = new List<RunRecord>();
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            int round = root.TryGetProperty("round", out var r) ? r.GetInt32() : 1;
            string config = root.GetProperty("config").GetString() ?? "?";
            JsonElement? result = root.TryGetProperty("result", out var res) && res.ValueKind == JsonValueKind.Object ? res.Clone() : null;
            string workload = root.TryGetProperty("workload", out var w) ? w.GetString() ?? "?"
                : result?.GetProperty("workload").GetString() ?? "?";
            string? error = root.TryGetProperty("error", out var e) ? e.GetString() : null;
            double? busy = root.TryGetProperty("busyBefore", out var b) && b.ValueKind == JsonValueKind.Number ? b.GetDouble() : null;
            runs.Add(new RunRecord(round, config, workload, result, error, busy));
        }
        return runs;
    }

    /// <summary>A number at a dotted path of the result (<c>best.deliveriesPerSecond</c>); null when absent or null.</summary>
    public double? Number(string path)
    {
        if (Result is not JsonElement e) return null;
        foreach (string part in path.Split('.'))
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e)) return null;
        }
        return e.ValueKind == JsonValueKind.Number ? e.GetDouble() : null;
    }

    /// <summary>For growth: a number of the point at <paramref name="receivers"/>.</summary>
    public double? GrowthPoint(int receivers, string field)
    {
        if (Result is not JsonElement e || !e.TryGetProperty("points", out var points)) return null;
        foreach (var p in points.EnumerateArray())
        {
            if (p.GetProperty("receivers").GetInt32() != receivers) continue;
            return p.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        }
        return null;
    }

    public IEnumerable<int> GrowthSizes()
    {
        if (Result is not JsonElement e || !e.TryGetProperty("points", out var points)) return [];
        return points.EnumerateArray().Select(p => p.GetProperty("receivers").GetInt32()).ToList();
    }
}
