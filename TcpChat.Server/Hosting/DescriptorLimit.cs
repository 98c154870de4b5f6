using System.Runtime.InteropServices;

namespace TcpChat.Server.Hosting;

/// <summary>
/// The process's limit on open files (<c>RLIMIT_NOFILE</c>): every connection is one. Raised at start from the soft
/// limit to the hard one (what nginx's worker_rlimit_nofile and Go's runtime do), then read to know how many
/// connections the server can really hold, instead of finding out by failing to accept.
/// </summary>
internal static class DescriptorLimit
{
    private const int RlimitNofile = 7; // Linux, every architecture .NET runs on

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, out RLimit limit);

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetRLimit(int resource, in RLimit limit);

    /// <summary>
    /// Raises the soft limit to the hard limit when it is lower; returns the soft limit in force afterwards and the
    /// hard one, or null where there is no such limit (not Linux).
    /// </summary>
    public static (long Soft, long Hard)? Raise()
    {
        if (!OperatingSystem.IsLinux() || GetRLimit(RlimitNofile, out RLimit limit) != 0) return null;
        if (limit.Current < limit.Maximum)
        {
            var raised = limit with { Current = limit.Maximum };
            if (SetRLimit(RlimitNofile, raised) == 0) limit = raised;
        }
        return (Clamp(limit.Current), Clamp(limit.Maximum));
    }

    /// <summary>The soft and hard limits in force now, or null where there is no such limit.</summary>
    public static (long Soft, long Hard)? Read() =>
        OperatingSystem.IsLinux() && GetRLimit(RlimitNofile, out RLimit limit) == 0 ? (Clamp(limit.Current), Clamp(limit.Maximum)) : null;

    private static long Clamp(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;

    /// <summary>
    /// Descriptors this process has open now (listeners, the database, the runtime's own), or null if they cannot be
    /// counted: listing /proc/self/fd takes a descriptor itself, so at the limit the count fails.
    /// </summary>
    public static int? OpenNow()
    {
        try { return Directory.GetFileSystemEntries("/proc/self/fd").Length; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
