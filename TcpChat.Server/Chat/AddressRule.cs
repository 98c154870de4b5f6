using System.Net;

namespace TcpChat.Server.Chat;

/// <summary>
/// Which client addresses may do something: a comma-separated list of <c>loopback</c>, <c>any</c>, addresses
/// (<c>192.0.2.7</c>, <c>::1</c>) and networks (<c>10.0.0.0/8</c>, <c>fd00::/8</c>). IPv4 clients on a dual-stack socket
/// (<c>::ffff:10.1.2.3</c>) are matched as IPv4.
/// </summary>
public sealed class AddressRule
{
    private readonly bool _any;
    private readonly bool _loopback;
    private readonly IPNetwork[] _networks;

    private AddressRule(bool any, bool loopback, IPNetwork[] networks)
    {
        _any = any;
        _loopback = loopback;
        _networks = networks;
    }

    public static bool TryParse(string text, out AddressRule rule, out string problem)
    {
        bool any = false, loopback = false;
        var networks = new List<IPNetwork>();
        problem = "";
        foreach (string raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw.Equals("any", StringComparison.OrdinalIgnoreCase)) any = true;
            else if (raw.Equals("loopback", StringComparison.OrdinalIgnoreCase)) loopback = true;
            else if (IPNetwork.TryParse(raw, out var network)) networks.Add(network);
            else if (IPAddress.TryParse(raw, out var address)) networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else
            {
                problem = $"'{raw}' is not loopback, any, an address or a network such as 10.0.0.0/8";
                rule = new AddressRule(false, false, []);
                return false;
            }
        }
        rule = new AddressRule(any, loopback, networks.ToArray());
        return true;
    }

    public bool Allows(IPAddress? address)
    {
        if (_any) return true;
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (_loopback && IPAddress.IsLoopback(address)) return true;
        foreach (var network in _networks)
            if (network.Contains(address)) return true;
        return false;
    }
}
