namespace TcpChat.Server.Web;

/// <summary>
/// Which pages may open the WebSocket (Web:AllowedOrigins): <c>self</c>, <c>any</c>, or origins such as
/// <c>https://chat.example.org</c>, compared as scheme, host and port (a default port may be left out).
/// </summary>
/// <remarks>
/// Why: a browser sends its cookies and its user's network position with a WebSocket to any site, whichever page opens
/// it; only the Origin header says which page did (cross-site WebSocket hijacking). A client without Origin is not a
/// browser, and could send any Origin anyway: it is let in, as over TCP.
/// </remarks>
public sealed class OriginRule
{
    private readonly bool _any;
    private readonly bool _self;
    private readonly HashSet<string> _origins;

    private OriginRule(bool any, bool self, HashSet<string> origins)
    {
        _any = any;
        _self = self;
        _origins = origins;
    }

    public static bool TryParse(string text, out OriginRule rule, out string problem)
    {
        bool any = false, self = false;
        var origins = new HashSet<string>(StringComparer.Ordinal);
        problem = "";
        rule = new OriginRule(false, false, origins);
        foreach (string raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw.Equals("any", StringComparison.OrdinalIgnoreCase)) any = true;
            else if (raw.Equals("self", StringComparison.OrdinalIgnoreCase)) self = true;
            else if (Normalize(raw) is { } origin) origins.Add(origin);
            else
            {
                problem = $"'{raw}' is not self, any, or an origin such as https://chat.example.org";
                return false;
            }
        }
        rule = new OriginRule(any, self, origins);
        return true;
    }

    /// <param name="origin">The Origin header; null or empty when there is none.</param>
    /// <param name="self">The origin the request was made to: its scheme and Host header.</param>
    public bool Allows(string? origin, string self)
    {
        if (string.IsNullOrEmpty(origin) || _any) return true;
        if (Normalize(origin) is not { } normalized) return false; // "null" (a sandboxed page, a file) and garbage
        return _origins.Contains(normalized) || (_self && normalized == Normalize(self));
    }

    /// <summary><c>scheme://host[:port]</c> in lower case, the default port left out; null when it is not an http(s) origin.</summary>
    private static string? Normalize(string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)) return null;
        if (uri.Scheme is not ("http" or "https")) return null;
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0) return null;
        return uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped); // host in lower case, no default port
    }
}
