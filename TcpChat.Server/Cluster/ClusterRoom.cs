namespace TcpChat.Server.Cluster;

/// <summary>
/// A room as every node sees it: its members on all nodes, in the order the stream gave their joins. Changed only by
/// the stream's consumer (and the start-up snapshot), under <see cref="ClusterChat"/>'s lock.
/// </summary>
internal sealed class ClusterRoom(string key, string name)
{
    public string Key { get; } = key;

    /// <summary>As its first member spelled it.</summary>
    public string Name { get; } = name;

    public List<ClusterMember> Members { get; } = [];

    public ClusterMember? Find(string nickKey, string node) =>
        Members.Find(m => m.NickKey == nickKey && m.Node == node);
}

/// <summary>One user in one room: on which node, and its session there when that node is this one.</summary>
internal sealed class ClusterMember(string nick, string node, long sessionId, Chat.Session? local)
{
    public string Nick { get; set; } = nick;

    public string NickKey { get; set; } = Protocol.TextRules.Key(nick);

    public string Node { get; } = node;

    public long SessionId { get; } = sessionId;

    public Chat.Session? Local { get; } = local;
}
