using System.Buffers;
using System.Text;

namespace TcpChat.Server.Security;

/// <summary>
/// Recognizes a client that speaks another protocol from the first bytes of its connection: an HTTP request (a browser,
/// curl, a health check, a scanner) or a TLS ClientHello (a client set up for TLS on a plain port). Such a client gets
/// one line that says what this port is, instead of one <c>ERR UNKNOWN_VERB</c> per header line, or a wait for an LF
/// that a binary handshake never sends.
/// </summary>
internal static class ForeignProtocol
{
    public enum Verdict
    {
        /// <summary>Not (or no longer possibly) a known foreign protocol: parse as TcpChat.</summary>
        TcpChat,
        /// <summary>Too few bytes yet: they are the start of a foreign signature. Wait for more.</summary>
        NeedMoreData,
        /// <summary>HTTP or TLS: see <see cref="Answer"/>.</summary>
        Foreign,
    }

    /// <summary>Starts of a first line that only HTTP sends (methods are case-sensitive; header names are not).</summary>
    private static readonly (byte[] Bytes, bool IgnoreCase)[] Http =
    [
        .. new[] { "GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "TRACE ", "CONNECT ", "PRI * HTTP/2" }
            .Select(s => (Encoding.ASCII.GetBytes(s), false)),
        (Encoding.ASCII.GetBytes("Host:"), true),
    ];

    /// <summary>A TLS record of type handshake (22), then the major version 3 (SSL 3.0 to TLS 1.3 all say 3).</summary>
    private const byte TlsHandshake = 0x16, TlsMajor = 0x03;

    /// <summary>The longest signature: no more than this many bytes are ever held back to decide.</summary>
    public static readonly int Longest = Http.Max(h => h.Bytes.Length);

    /// <param name="start">The first bytes of the connection (all of them that have arrived).</param>
    /// <param name="completed">No more bytes will come: decide with what there is.</param>
    /// <param name="name">"HTTP" or "TLS" for <see cref="Verdict.Foreign"/>.</param>
    public static Verdict Check(in ReadOnlySequence<byte> start, bool completed, out string name)
    {
        name = "";
        Span<byte> head = stackalloc byte[Longest];
        int length = (int)Math.Min(start.Length, head.Length);
        start.Slice(0, length).CopyTo(head);
        head = head[..length];
        if (length == 0) return completed ? Verdict.TcpChat : Verdict.NeedMoreData;

        bool undecided = false;
        if (head[0] == TlsHandshake)
        {
            if (length >= 2 && head[1] == TlsMajor)
            {
                name = "TLS";
                return Verdict.Foreign;
            }
            undecided |= length < 2;
        }
        foreach (var (signature, ignoreCase) in Http)
        {
            int n = Math.Min(length, signature.Length);
            if (!Matches(head[..n], signature.AsSpan(0, n), ignoreCase)) continue;
            if (n == signature.Length)
            {
                name = "HTTP";
                return Verdict.Foreign;
            }
            undecided = true; // a prefix of it so far
        }
        return undecided && !completed ? Verdict.NeedMoreData : Verdict.TcpChat;
    }

    /// <summary>The text of the ERR and BYE a foreign client gets.</summary>
    public static string Answer(string name) => name == "TLS"
        ? "this is a TcpChat server (line protocol) on a plain TCP port, not TLS; see docs/PROTOCOL.md"
        : $"this is a TcpChat server (line protocol), not {name}; see docs/PROTOCOL.md";

    private static bool Matches(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> signature, bool ignoreCase) =>
        ignoreCase ? Ascii.EqualsIgnoreCase(bytes, signature) : bytes.SequenceEqual(signature);
}
