namespace TcpChat.Protocol;

/// <summary>Whether a verb's frame carries text after its fixed arguments.</summary>
public enum TextRule { None, Optional, Required }

/// <summary>
/// The shape of one verb in one direction: how many plain arguments precede the text, and whether text follows.
/// Which verbs carry text is fixed per verb, so <c>PING 5</c> is a token, never a length.
/// </summary>
public readonly record struct VerbShape(int MinArgs, int MaxArgs, TextRule Text)
{
    public static VerbShape Args(int min, int max) => new(min, max, TextRule.None);
    public static VerbShape WithText(int args) => new(args, args, TextRule.Required);
    public static VerbShape OptionalText(int args) => new(args, args, TextRule.Optional);
}
