namespace TcpChat.Server.Chat;

/// <summary>
/// The seam between <see cref="ChatHub"/> and cluster mode (TcpChat.Server/Cluster/). On one server there is none and
/// the hub keeps its rooms, nicks and history itself; with one, the hub keeps the sessions, their frames, flood control
/// and accounts, and hands over what must be the same on every node: nick claims, rooms, messages and their history.
/// Each method is called on the session's reader loop, after the frame's syntax and text were checked.
/// </summary>
internal interface IChatCluster
{
    /// <summary>Claims a nick (by its key) across the cluster; false when another session has it. Throws when the engine is away.</summary>
    Task<bool> ClaimNickAsync(Session session, string key, string nick);

    /// <summary>After a NICK took effect: frees the old claim and tells the other nodes.</summary>
    void Renamed(Session session, string? oldNick, string? oldKey);

    /// <summary>Gives back a claim the session did not use.</summary>
    void ReleaseNick(string key);

    /// <param name="fromVerb">A JOIN frame (the reader may wait for it), rather than the default room on registering.</param>
    void Join(Session session, string raw, bool fromVerb);

    void Part(Session session, string raw, byte[]? text);

    void Send(Session session, string target, byte[] text);

    void Names(Session session, string room);

    void History(Session session, string target, long before, int limit);

    void Disconnect(Session session, string reason);

    /// <summary>Lines for STATS: numbers, then <c>cluster_last_error &lt;text&gt;</c>.</summary>
    string StatsText();
}
