using Microsoft.Extensions.Logging.Abstractions;
using TcpChat.Protocol;
using TcpChat.Server.Cluster;
using TcpChat.Server.History;

namespace TcpChat.Tests.Cluster;

/// <summary>The node's side of the engine, against a real nats-server.</summary>
public sealed class ClusterEngineTests
{
    /// <summary>
    /// A try whose answer was lost (a leader dying, or an answer later than the try's wait) is sent again with the same
    /// message id; the engine answers "duplicate" with the first one's sequence. That is a message stored, once.
    /// </summary>
    [Fact]
    public async Task AMessageSentAgainAfterItWasStoredCountsAsStoredOnceWithItsFirstSequence()
    {
        await using var server = await NatsServer.StartAsync();
        var options = new ClusterOptions { Nats = server.Url, NodeName = "t", PublishTimeoutSeconds = 3 };
        await using var engine = new ClusterEngine(options, new HistoryOptions(), NullLogger.Instance);
        await engine.StartAsync(CancellationToken.None);
        string subject = Subjects.Room(TextRules.Key("#café"));
        byte[] data = new ClusterEvent(ClusterEvent.Message, ["João"], "olá 漢字 👍"u8.ToArray()).Encode();

        ulong first = await engine.PublishAsync(subject, data, "t-run-1");
        ulong again = await engine.PublishAsync(subject, data, "t-run-1");
        ulong next = await engine.PublishAsync(subject, data, "t-run-2");

        Assert.Equal(first, again);
        Assert.Equal(first + 1, next); // the duplicate was not stored
    }
}
