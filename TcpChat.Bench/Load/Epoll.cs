using System.Runtime.InteropServices;

namespace TcpChat.Bench.Load;

/// <summary>The few Linux calls the receive loop needs: epoll, and recv/send on non-blocking sockets.</summary>
internal static unsafe class Native
{
    public const int EpollCtlAdd = 1, EpollCtlDel = 2;
    public const uint EpollIn = 0x001, EpollErr = 0x008, EpollHup = 0x010, EpollRdHup = 0x2000;
    public const int MsgDontWait = 0x40, MsgNoSignal = 0x4000;
    public const int EAgain = 11, EIntr = 4;
    public const short PollOut = 0x004;

    [StructLayout(LayoutKind.Sequential, Pack = 1)] // struct epoll_event is packed on x86-64
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    public static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [DllImport("libc", SetLastError = true)]
    public static extern int epoll_wait(int epfd, EpollEvent* events, int maxevents, int timeout);

    [DllImport("libc", SetLastError = true)]
    public static extern nint recv(int fd, byte* buf, nint len, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern nint send(int fd, byte* buf, nint len, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int poll(PollFd* fds, nuint nfds, int timeout);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    public static extern int nanosleep(TimeSpec* request, TimeSpec* remaining);

    public const int PrSetTimerSlack = 29;

    [DllImport("libc", SetLastError = true)]
    public static extern int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}

/// <summary>
/// A thread that waits on many sockets with one epoll and reads each one that is readable: what a C load generator
/// does. Thousands of sockets cost one thread, and a read is one system call, not an async operation per socket.
/// </summary>
internal sealed unsafe class EpollLoop : IDisposable
{
    private static readonly Lazy<EpollLoop[]> Shared = new(() =>
        Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount)).Select(i => new EpollLoop(i)).ToArray());
    private static int _next;

    private readonly int _epfd;
    private readonly Thread _thread;
    private readonly Dictionary<int, BenchConnection> _connections = new();
    private readonly object _gate = new();

    private EpollLoop(int index)
    {
        _epfd = Native.epoll_create1(0);
        if (_epfd < 0) throw new BenchException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        _thread = new Thread(Run) { IsBackground = true, Name = $"epoll-{index}" };
        _thread.Start();
    }

    /// <summary>One of the shared loops, one per core the process may run on, in turn.</summary>
    public static EpollLoop Next() => Shared.Value[(int)((uint)Interlocked.Increment(ref _next) % Shared.Value.Length)];

    public void Add(int fd, BenchConnection connection)
    {
        lock (_gate) _connections[fd] = connection;
        var ev = new Native.EpollEvent { Events = Native.EpollIn | Native.EpollRdHup, Data = (ulong)fd };
        if (Native.epoll_ctl(_epfd, Native.EpollCtlAdd, fd, &ev) != 0)
        {
            lock (_gate) _connections.Remove(fd);
            throw new BenchException($"epoll_ctl ADD failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public void Remove(int fd)
    {
        Native.epoll_ctl(_epfd, Native.EpollCtlDel, fd, null);
        lock (_gate) _connections.Remove(fd);
    }

    private void Run()
    {
        const int max = 512;
        var events = new Native.EpollEvent[max];
        while (true)
        {
            int n;
            fixed (Native.EpollEvent* p = events) n = Native.epoll_wait(_epfd, p, max, 200);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == Native.EIntr) continue;
                return; // closed
            }
            for (int i = 0; i < n; i++)
            {
                BenchConnection? c;
                lock (_gate) _connections.TryGetValue((int)events[i].Data, out c);
                c?.OnReadable();
            }
        }
    }

    public void Dispose() => Native.close(_epfd);
}
