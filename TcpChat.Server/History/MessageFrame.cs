using System.Globalization;
using TcpChat.Protocol;

namespace TcpChat.Server.History;

/// <summary>The MSG frame of a message, the same bytes live and from history.</summary>
public static class MessageFrame
{
    // MSG <target> <sender> <id> <time> <length>\n<text>\n
    public static byte[] Encode(string target, string sender, long id, long unixMs, ReadOnlySpan<byte> text)
    {
        string time = DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString(ProtocolDefaults.TimeFormat, CultureInfo.InvariantCulture);
        string idText = id.ToString(CultureInfo.InvariantCulture);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(text.Length + 128);
        FrameWriter.WriteWithText(buffer, Verb.Msg, [target, sender, idText, time], text);
        return buffer.WrittenSpan.ToArray();
    }
}
