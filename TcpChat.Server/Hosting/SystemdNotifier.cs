using System.Net.Sockets;
using System.Text;

namespace TcpChat.Server.Hosting;

/// <summary>
/// The sd_notify protocol, by hand because Microsoft.Extensions.Hosting.Systemd is not in our package registry:
/// one datagram of <c>KEY=value</c> lines to the unix socket named by <c>$NOTIFY_SOCKET</c>. A name starting with
/// <c>@</c> is in the abstract namespace (a leading NUL byte on the wire). See sd_notify(3).
/// </summary>
public sealed class SystemdNotifier(string socketName)
{
    /// <summary>The notifier systemd asked for, or null when the server does not run under Type=notify.</summary>
    public static SystemdNotifier? FromEnvironment()
    {
        string? name = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        return string.IsNullOrEmpty(name) ? null : new SystemdNotifier(name);
    }

    public string SocketName { get; } = socketName;

    /// <summary>Sends <paramref name="state"/> (e.g. <c>READY=1</c>); false if systemd could not be told.</summary>
    public bool Notify(string state)
    {
        string path = SocketName[0] == '@' ? "\0" + SocketName[1..] : SocketName;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send(Encoding.UTF8.GetBytes(state));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
