using System.Globalization;

namespace TcpChat.Bench.Load;

/// <summary>CPU time and resident memory of a process, from /proc (Linux).</summary>
public static class ProcStats
{
    public static readonly double TicksPerSecond = ClockTicks();

    /// <summary>CPU seconds (user + system) the process has used so far; null when it cannot be read.</summary>
    public static double? CpuSeconds(int pid)
    {
        try
        {
            // /proc/<pid>/stat: pid (comm) state ... field 14 utime, 15 stime; comm may hold spaces and parentheses.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state): utime is field 14, so fields[11].
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture))
                / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Resident set size in bytes (VmRSS of /proc/&lt;pid&gt;/status); null when it cannot be read.</summary>
    public static long? RssBytes(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                string kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return null;
    }

    /// <summary>Peak resident set size in bytes (VmHWM of /proc/&lt;pid&gt;/status); null when it cannot be read.</summary>
    public static long? PeakRssBytes(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                string kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return null;
    }

    /// <summary>The load generator's own process id.</summary>
    public static int Self => Environment.ProcessId;

    private static double ClockTicks()
    {
        // sysconf(_SC_CLK_TCK) is 100 on every Linux in use; getconf confirms it where available.
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("getconf", "CLK_TCK")
            { RedirectStandardOutput = true, UseShellExecute = false });
            if (p is not null && double.TryParse(p.StandardOutput.ReadToEnd().Trim(), CultureInfo.InvariantCulture, out double t) && t > 0)
            {
                p.WaitForExit();
                return t;
            }
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { }
        return 100;
    }
}

/// <summary>A meter of CPU seconds of a process between two readings (null when there is no process to watch).</summary>
public sealed class CpuMeter(int? pid)
{
    private double? _start = pid is int p ? ProcStats.CpuSeconds(p) : null;

    public void Restart() => _start = pid is int p ? ProcStats.CpuSeconds(p) : null;

    /// <summary>CPU seconds since the start, or null.</summary>
    public double? Elapsed => pid is int p && _start is double s && ProcStats.CpuSeconds(p) is double now ? now - s : null;
}

/// <summary>
/// CPU time of several processes together, and of each: the server, or a cluster's nodes and engine servers.
/// </summary>
public sealed class SystemCpuMeter(IReadOnlyList<int> pids)
{
    private readonly double?[] _start = pids.Select(p => ProcStats.CpuSeconds(p)).ToArray();

    /// <summary>CPU seconds of each process since the start; null when there are none or one cannot be read.</summary>
    public IReadOnlyDictionary<int, double>? ByPid
    {
        get
        {
            if (pids.Count == 0) return null;
            var result = new Dictionary<int, double>();
            for (int i = 0; i < pids.Count; i++)
            {
                if (_start[i] is not double s || ProcStats.CpuSeconds(pids[i]) is not double now) return null;
                result[pids[i]] = now - s;
            }
            return result;
        }
    }

    /// <summary>CPU seconds of them all since the start, or null.</summary>
    public double? Elapsed => ByPid?.Values.Sum();
}

/// <summary>
/// How much CPU the rest of the machine used while a workload ran: busy time of all cores (user, nice, system, irq, steal;
/// softirq left out, as it is mostly the workload's own loopback traffic) less the server's and the load generator's,
/// per second of wall time. Near 0 on a quiet machine; 0.5 means half a core went to something else, and the figures
/// are suspect.
/// </summary>
/// <param name="systemPids">The processes of the system under test (the server; a cluster's nodes and engine): not "other".</param>
public sealed class InterferenceMeter(IReadOnlyList<int> systemPids)
{
    private readonly long _busy0 = MachineBusyTicks();
    private readonly SystemCpuMeter _server = new(systemPids);
    private readonly double? _self0 = ProcStats.CpuSeconds(ProcStats.Self);
    private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Cores' worth of CPU used by other processes, on average; null when /proc cannot tell.</summary>
    public double? OtherCores()
    {
        long busy = MachineBusyTicks();
        if (busy < 0 || _busy0 < 0 || ProcStats.CpuSeconds(ProcStats.Self) is not double self || _self0 is not double self0) return null;
        double server = _server.Elapsed ?? 0;
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(_start).TotalSeconds;
        if (seconds <= 0) return null;
        double other = (busy - _busy0) / ProcStats.TicksPerSecond - (self - self0) - server;
        return Math.Max(0, other / seconds);
    }

    private static long MachineBusyTicks()
    {
        try
        {
            // cpu  user nice system idle iowait irq softirq steal ...
            string[] f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long T(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
            return T(1) + T(2) + T(3) + T(6) + T(8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return -1;
        }
    }
}

/// <summary>Waits for the machine, or the server, to be quiet before a measurement.</summary>
public static class Machine
{
    /// <summary>Waits (at most <paramref name="limit"/>) until the server uses under 5% of a core over a quarter second.</summary>
    public static async Task WaitServerIdleAsync(int? pid, TimeSpan limit, CancellationToken cancel)
    {
        if (pid is not int p) return;
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            var cpu = new CpuMeter(p);
            await Task.Delay(250, cancel);
            if (cpu.Elapsed is not double used || used < 0.25 * 0.05) return;
        }
    }

    /// <summary>Waits (at most <paramref name="limit"/>) until the whole machine is under 10% busy over a quarter second.</summary>
    public static async Task WaitQuietAsync(TimeSpan limit, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            var meter = new InterferenceMeter([]);
            await Task.Delay(250, cancel);
            if (meter.OtherCores() is not double other || other < 0.1 * Environment.ProcessorCount) return;
        }
    }
}
