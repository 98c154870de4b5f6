using TcpChat.Server.History;

namespace TcpChat.Tests.Server.History;

/// <summary>The id counters: read from the store outside their lock, and never giving an id twice.</summary>
public sealed class MessageIdsTests
{
    [Fact]
    public void ACounterMadeUsedAndDroppedWhileItsLastIdWasReadIsReadAgain()
    {
        long stored = 5;
        int reads = 0;
        MessageIds ids = null!;
        ids = new MessageIds(key =>
        {
            long seen = stored;
            if (++reads == 1)
            {
                // While this read is under way, another session makes the room, sends one message, it is stored, and
                // the room empties: its counter is dropped. What this read saw is out of date.
                var other = ids.Acquire(key);
                long id = other.Next();
                stored = id;
                ids.Committed([new StoredMessage(key, id, key, "João", 0, [])]);
                ids.Release(other);
            }
            return seen;
        });

        var counter = ids.Acquire("#café");

        Assert.Equal(7, counter.Next()); // 6 went to the other session's message
        Assert.Equal(3, reads);
    }

    [Fact]
    public void AHeldCounterIsSharedAndNotReadAgain()
    {
        int reads = 0;
        var ids = new MessageIds(_ => { reads++; return 41; });
        var first = ids.Acquire("#rust");
        Assert.True(ids.IsHeld("#rust"));
        var second = ids.Acquire("#rust");
        Assert.Same(first, second);
        Assert.Equal(1, reads);
        Assert.Equal(42, second.Next());
        ids.Release(first);
        ids.Release(second);
        ids.Committed([new StoredMessage("#rust", 42, "#rust", "bob", 0, [])]);
        Assert.False(ids.IsHeld("#rust"));
    }
}
