using System.Collections.Concurrent;
using System.Globalization;
using TcpChat.Protocol;

namespace TcpChat.Server.Chat;

/// <summary>
/// Big rooms (docs/PROTOCOL.md, "Big rooms"). Telling every member of a room about every join, part and quit, and
/// giving every joiner the whole member list, costs n²/2 frames for n users joining: 162 million frames and a 10 GB
/// heap for 18,000 users in #lobby. So above Chat:BigRoomMembers members a room stops announcing membership: the
/// joiner gets its own JOIN, the leaver its own PART, and the members get <c>MEMBERS &lt;#room&gt; &lt;count&gt;</c>
/// when the count has moved by 1% and at most every Chat:MemberCountSeconds. NAMES about a big room is paged. Twitch
/// (no JOIN/PART above 1,000 users), Discord and Slack (a count, and the member list fetched in pages when shown) do
/// the same. The room becomes small again at half the threshold, when every member gets the whole list once: halfway,
/// so that a room at the threshold cannot make the server send that list at every join and part.
/// </summary>
internal sealed partial class ChatHub
{
    /// <summary>The rooms that are big now, which the sweep looks at for counts due (a set: <c>ConcurrentDictionary</c> keys).</summary>
    private readonly ConcurrentDictionary<Room, byte> _bigRooms = new();

    /// <summary>How far (in hundredths of the last count sent) a big room's count must move before it is sent again.</summary>
    public const int CountStepPercent = 1;

    /// <summary>Under the room's lock, right after <paramref name="session"/> was added: tells who needs to know.</summary>
    private void AnnounceJoin(Session session, Room room)
    {
        byte[] join = FrameWriter.Encode(w => FrameWriter.Write(w, Verb.Join, room.Name, session.Nick!));
        bool crossing = !room.IsBig && room.Count > _options.BigRoomMembers;
        if (!room.IsBig && !crossing)
        {
            room.Broadcast(join);
            session.Send(NamesFrame(room));
            return;
        }
        session.Send(join);
        if (crossing)
        {
            // Every member learns that the room is big now: no more JOIN, PART and QUIT from it, a count instead.
            room.IsBig = true;
            _bigRooms.TryAdd(room, 0);
            AnnounceCount(room);
        }
        else
        {
            AnnounceCountIfDue(room);
        }
        SendPage(session, room, 0, _options.NamesPage);
    }

    /// <summary>
    /// Under the room's lock: removes <paramref name="session"/> from <paramref name="room"/>. <paramref name="notice"/>
    /// (a PART) goes to every member of a small room, to the leaver only in a big one; a QUIT is the caller's.
    /// </summary>
    private void Depart(Session session, Room room, byte[]? notice)
    {
        if (!room.IsBig)
        {
            if (notice is not null) room.Broadcast(notice);
            room.Remove(session);
            if (room.Closed) RemoveRoom(room);
            return;
        }
        if (notice is not null) session.Send(notice);
        room.Remove(session);
        if (room.Closed)
        {
            RemoveRoom(room);
        }
        else if (room.Count <= _options.BigRoomMembers / 2)
        {
            // Small again: the members' lists are out of date, so each gets the whole list (one frame, shared), and
            // JOIN, PART and QUIT are sent again from now on. A NAMES without a MEMBERS before it is a whole list.
            room.IsBig = false;
            _bigRooms.TryRemove(room, out _);
            room.Broadcast(NamesFrame(room));
        }
        else
        {
            AnnounceCountIfDue(room);
        }
    }

    /// <summary>From the sweep: sends the counts that moved but were held back by Chat:MemberCountSeconds.</summary>
    private void AnnounceCounts()
    {
        foreach (var room in _bigRooms.Keys)
        {
            lock (room.Gate)
            {
                if (room.IsBig && !room.Closed) AnnounceCountIfDue(room);
            }
        }
    }

    /// <summary>Under the room's lock: the count goes out when it moved by <see cref="CountStepPercent"/> and the last one is old enough.</summary>
    private void AnnounceCountIfDue(Room room)
    {
        int moved = Math.Abs(room.Count - room.AnnouncedCount);
        if (moved == 0 || moved < (long)room.AnnouncedCount * CountStepPercent / 100) return;
        if (NowMs() - room.AnnouncedAtMs < _options.MemberCountSeconds * 1000) return; // the sweep comes back to it
        AnnounceCount(room);
    }

    /// <summary>Under the room's lock: MEMBERS to every member.</summary>
    private void AnnounceCount(Room room)
    {
        room.AnnouncedCount = room.Count;
        room.AnnouncedAtMs = NowMs();
        room.Broadcast(MembersFrame(room, from: null));
    }

    private long NowMs() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Under the room's lock: the answer to NAMES. A small room asked without from= or limit= gets its whole list, as
    /// always; otherwise a page: after <c>MEMBERS &lt;#room&gt; &lt;count&gt; from=&lt;n&gt;</c> when the room is big.
    /// </summary>
    private void SendNames(Session session, Room room, int from, int limit, bool paged)
    {
        if (room.IsBig || paged) SendPage(session, room, from, limit);
        else session.Send(NamesFrame(room));
    }

    /// <summary>Under the room's lock.</summary>
    private void SendPage(Session session, Room room, int from, int limit)
    {
        if (room.IsBig) session.Send(MembersFrame(room, from));
        string names = string.Join(' ', room.Page(from, Math.Min(limit, _options.NamesPage)).Select(m => m.Nick));
        session.Send(FrameWriter.Encode(w => FrameWriter.WriteWithText(w, Verb.Names, [room.Name], names)));
    }

    // MEMBERS <#room> <count> [from=<n>]
    private static byte[] MembersFrame(Room room, int? from)
    {
        string count = room.Count.ToString(CultureInfo.InvariantCulture);
        return FrameWriter.Encode(w =>
        {
            if (from is { } n) FrameWriter.Write(w, Verb.Members, room.Name, count, "from=" + n.ToString(CultureInfo.InvariantCulture));
            else FrameWriter.Write(w, Verb.Members, room.Name, count);
        });
    }

    /// <summary><c>[from=&lt;n&gt;] [limit=&lt;n&gt;]</c> after the room, in any order; from is 0 or more, limit 1 or more, cut to Chat:NamesPage.</summary>
    private bool TryParseNamesArguments(string[] args, out int from, out int limit, out string problem)
    {
        from = 0;
        limit = _options.NamesPage;
        problem = "";
        bool seenFrom = false, seenLimit = false;
        foreach (string arg in args.AsSpan(1))
        {
            int eq = arg.IndexOf('=');
            string key = eq < 0 ? arg : arg[..eq], value = eq < 0 ? "" : arg[(eq + 1)..];
            bool isFrom = key.Equals("from", StringComparison.OrdinalIgnoreCase);
            if (!isFrom && !key.Equals("limit", StringComparison.OrdinalIgnoreCase))
            {
                problem = $"unknown argument '{arg}': NAMES <#room> [from=<n>] [limit=<n>]";
                return false;
            }
            if (isFrom ? seenFrom : seenLimit)
            {
                problem = $"{key.ToLowerInvariant()}= given twice";
                return false;
            }
            bool digits = value.Length is > 0 and <= 10 && value.All(char.IsAsciiDigit);
            long n = digits ? long.Parse(value, CultureInfo.InvariantCulture) : -1;
            if (isFrom)
            {
                seenFrom = true;
                if (n < 0)
                {
                    problem = $"from must be a position, a whole number from 0 (got '{value}')";
                    return false;
                }
                from = (int)Math.Min(n, int.MaxValue);
            }
            else
            {
                seenLimit = true;
                if (n < 1)
                {
                    problem = $"limit must be a whole number from 1 (got '{value}')";
                    return false;
                }
                limit = (int)Math.Min(n, _options.NamesPage);
            }
        }
        return true;
    }
}
