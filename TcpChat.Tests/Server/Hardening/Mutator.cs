using System.Text;

namespace TcpChat.Tests.Server.Hardening;

/// <summary>How a mutated session ends on the client's side.</summary>
public enum Ending
{
    /// <summary>Shut down the sending side and read until the server closes: everything sent was handled.</summary>
    Drain,
    /// <summary>Close the socket at once (FIN).</summary>
    Close,
    /// <summary>Close with a reset (SO_LINGER 0): the server's next read or write fails.</summary>
    Reset,
}

/// <summary>One case of the mutation run: the bytes to send, the sizes of the writes they go in, and the ending.</summary>
public sealed record MutationCase(int Number, string Script, byte[] Bytes, int[] Writes, Ending Ending)
{
    public override string ToString() =>
        $"case {Number} ({Script}, {Ending}, {(Writes.Length == 1 ? "one write" : $"{Writes.Length} writes")}): " +
        Tests.Protocol.Sequences.Show(Encoding.UTF8.GetString(Bytes));
}

/// <summary>
/// Valid scripted sessions, and the random damage done to them: bits flipped, bytes replaced, inserted, deleted,
/// ranges duplicated, numbers and long runs inserted, the end cut off. Everything comes from one seed.
/// </summary>
public static class Mutator
{
    /// <summary>
    /// Sessions a well-behaved client might send: every client verb, inline and length forms, LF and CRLF, Unicode,
    /// private messages (to a witness too), renames, errors that keep the session, and an end without QUIT.
    /// <c>{n}</c> is the case number, <c>{r}</c> a room shared with other cases.
    /// </summary>
    public static readonly (string Name, string Template)[] Scripts =
    [
        ("inline", "NICK m{n}\nJOIN #r{r}\nSEND #r{r} :hello from m{n}\nNAMES #r{r}\nPART #r{r} :bye\nQUIT :done\n"),
        ("length", "nick m{n}\r\njoin #r{r}\r\nSEND #r{r} 11\r\nhello\nworld\r\nSEND #lobby 3\nabc\nPING 42\nQUIT\n"),
        ("unicode", "NICK João{n}\nJOIN #漢字{r}\nSEND #漢字{r} 14\n漢字👍🏽\nSEND witness1 :psst\nSEND João{n} :to myself\nNAMES #lobby\nPART #漢字{r} 4\ntchau\nQUIT :tchau\n"),
        ("rename", "PING before\nNICK m{n}\nNICK M{n}x\nJOIN #r{r}\nHISTORY #r{r} limit=5\nSEND #r{r} :x\nFOO bar\nSEND #nowhere :y\nPART #r{r}\nQUIT\n"),
        ("dropped", "NICK m{n}\nJOIN #r{r}\nSEND #r{r} 5\nhello\nSEND #r{r} :\nSEND m{n} 2\nhi\n"),
    ];

    private static readonly byte[] Interesting = "\n\r :#0123456789-+"u8.ToArray().Concat(new byte[] { 0x00, 0x1B, 0x7F, 0x80, 0xC3, 0xFF }).ToArray();

    private static readonly byte[][] Insertions =
    [
        "99999999999"u8.ToArray(), "65536"u8.ToArray(), "65537"u8.ToArray(), "-1"u8.ToArray(), "\n"u8.ToArray(),
        "SEND #lobby "u8.ToArray(), ":"u8.ToArray(), "\r\n\r\n"u8.ToArray(), "QUIT\n"u8.ToArray(), "GET / HTTP/1.1\r\n"u8.ToArray(),
        [0x16, 0x03, 0x01, 0x00, 0xA5], // the start of a TLS ClientHello
    ];

    public static List<MutationCase> Cases(int count, int seed)
    {
        var random = new Random(seed);
        var cases = new List<MutationCase>(count);
        for (int n = 0; n < count; n++)
        {
            var (name, template) = Scripts[random.Next(Scripts.Length)];
            byte[] valid = Encoding.UTF8.GetBytes(template.Replace("{n}", n.ToString()).Replace("{r}", (n % 16).ToString()));
            byte[] bytes = Mutate(valid, random);
            int[] writes = random.Next(3) == 0 ? Chunks(bytes.Length, random) : [bytes.Length];
            var ending = random.Next(6) switch { < 4 => Ending.Drain, 4 => Ending.Close, _ => Ending.Reset };
            cases.Add(new MutationCase(n, name, bytes, writes, ending));
        }
        return cases;
    }

    /// <summary>One to four mutations of <paramref name="valid"/>.</summary>
    public static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = new List<byte>(valid);
        int mutations = random.Next(1, 5);
        for (int i = 0; i < mutations && bytes.Count > 0; i++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(9))
            {
                case 0: // flip a bit
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // replace a byte with one the parser cares about
                    bytes[at] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 2: // replace a byte with any byte
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 3: // insert a few bytes
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 5))
                        .Select(_ => random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256)));
                    break;
                case 4: // delete a range
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 9), bytes.Count - at));
                    break;
                case 5: // duplicate a range
                    int length = Math.Min(random.Next(1, 41), bytes.Count - at);
                    bytes.InsertRange(random.Next(bytes.Count + 1), bytes.GetRange(at, length));
                    break;
                case 6: // insert a number, a verb, a line end, an HTTP or TLS opening
                    bytes.InsertRange(at, Insertions[random.Next(Insertions.Length)]);
                    break;
                case 7: // insert a long run: a line past max_line, or a long blank line
                    bytes.InsertRange(at, Enumerable.Repeat(random.Next(2) == 0 ? (byte)'x' : (byte)' ', random.Next(100, 5000)));
                    break;
                default: // truncate
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }
        return [.. bytes];
    }

    /// <summary>Sizes of writes that add up to <paramref name="total"/>: from one byte to a few dozen.</summary>
    private static int[] Chunks(int total, Random random)
    {
        var sizes = new List<int>();
        for (int left = total; left > 0;)
        {
            int size = Math.Min(left, random.Next(1, 65));
            sizes.Add(size);
            left -= size;
        }
        return sizes.Count == 0 ? [0] : [.. sizes];
    }
}
