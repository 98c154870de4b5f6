using System.Buffers;
using System.Text;

namespace TcpChat.Protocol;

/// <summary>
/// One parsed frame. <see cref="Text"/> is a slice of the reader's buffer, valid only until the reader advances;
/// copy it (or use <see cref="TextAsString"/>) to keep it.
/// </summary>
public readonly struct Frame
{
    public Frame(Verb verb, string[] args, ReadOnlySequence<byte> text, bool hasText)
    {
        Verb = verb;
        Args = args;
        Text = text;
        HasText = hasText;
    }

    public Verb Verb { get; }

    /// <summary>The plain arguments after the verb, text excluded.</summary>
    public string[] Args { get; }

    /// <summary>The text bytes (length form or inline form); empty when <see cref="HasText"/> is false.</summary>
    public ReadOnlySequence<byte> Text { get; }

    public bool HasText { get; }

    /// <summary>Decodes the text; invalid UTF-8 becomes U+FFFD. Validate with <see cref="TextRules"/> first when that matters.</summary>
    public string TextAsString() => HasText ? Encoding.UTF8.GetString(Text) : "";

    public string Arg(int index) => index < Args.Length ? Args[index] : "";

    public override string ToString() =>
        Verb.ToWire() + (Args.Length > 0 ? " " + string.Join(' ', Args) : "") + (HasText ? " :" + TextAsString() : "");
}
