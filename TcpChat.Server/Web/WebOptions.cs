using System.Net;

namespace TcpChat.Server.Web;

/// <summary>
/// The web port, bound from the "Web" section (<c>--web-port 8080</c>, <c>Web__Port=8080</c>): the page, the WebSocket
/// (<c>/ws</c>), <c>/healthz</c> and <c>/metrics</c>. Off unless a port is given. README, "Chat from a browser".
/// </summary>
public sealed class WebOptions
{
    public const string Section = "Web";

    /// <summary>HTTP port, on the address of Chat:Bind; 0 picks a free one; none (the default): no web port.</summary>
    public int? Port { get; set; }

    /// <summary>
    /// Origins whose pages may open the WebSocket, comma-separated: <c>self</c> (the origin the request was made to),
    /// <c>any</c>, or origins such as <c>https://chat.example.org</c>. A request without Origin (not a browser) is let in.
    /// </summary>
    public string AllowedOrigins { get; set; } = "self";

    /// <summary>Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: addresses and networks, comma-separated.</summary>
    public string TrustedProxies { get; set; } = "";

    /// <summary>A WebSocket PING goes to the browser this often; one not answered within as long again cuts the connection.</summary>
    public double PingSeconds { get; set; } = 20;

    public IEnumerable<string> Validate()
    {
        if (Port is < 0 or > 65535) yield return $"Web:Port must be 0-65535 (got {Port})";
        if (!OriginRule.TryParse(AllowedOrigins, out _, out string originProblem)) yield return $"Web:AllowedOrigins: {originProblem}";
        if (!TryParseProxies(TrustedProxies, out _, out string proxyProblem)) yield return $"Web:TrustedProxies: {proxyProblem}";
        if (PingSeconds is < 1 or > 3600) yield return $"Web:PingSeconds must be 1-3600 (got {PingSeconds})";
    }

    /// <summary>Addresses (a network of one) and networks such as <c>10.0.0.0/8</c>, comma-separated.</summary>
    public static bool TryParseProxies(string text, out IReadOnlyList<IPNetwork> networks, out string problem)
    {
        var list = new List<IPNetwork>();
        networks = list;
        problem = "";
        foreach (string raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPNetwork.TryParse(raw, out var network)) list.Add(network);
            else if (IPAddress.TryParse(raw, out var address))
                list.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else
            {
                problem = $"'{raw}' is not an address or a network such as 10.0.0.0/8";
                return false;
            }
        }
        return true;
    }
}
