using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;

namespace TcpChat.Tests.Server.Security;

/// <summary>
/// An address that gave too many wrong passwords has its passwords refused unchecked, until one failure is forgiven
/// every <c>--password-failure-forgiven</c> seconds (60 by default). The server's guard reads a clock the test moves,
/// so the minute passes at once; the passwords travel over real sockets.
/// </summary>
public sealed class PasswordForgivenessTests
{
    private const string Password = "correct-horse-battery";

    private static async Task<string> AnswerToRightPasswordAsync(InProcessServer server)
    {
        await using var client = await TestClient.ConnectAsync(server.Port, from: "127.0.0.5");
        client.Send($"NICK alice {Password}\n");
        return (await client.AnswerToNickAsync()).Answer.ToString();
    }

    [Fact]
    public async Task OneWrongPasswordOfAnAddressIsForgivenAfterSixtySeconds()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow); // moves only when the test says
        await using var server = await InProcessServer.StartAsync(s => s.AddSingleton<TimeProvider>(clock),
            "--max-password-failures-per-address", "3", "--password-failure-delay", "0");
        Assert.Equal(60, SecurityKit.Defaults.PasswordFailureForgivenSeconds);
        await using (var alice = await server.LoginAsync("alice"))
        {
            await alice.RegisterAsync("alice", Password);
        }
        await ServerInsight.WaitUntilAsync(() => server.Hub().ConnectionCount == 0, "alice to be gone");

        await using (var guesser = await TestClient.ConnectAsync(server.Port, from: "127.0.0.5"))
        {
            for (int i = 0; i < 3; i++)
            {
                guesser.Send($"NICK alice guess-{i}\n");
                Assert.StartsWith("ERR BAD_PASSWORD NICK", (await guesser.AnswerToNickAsync()).Answer.ToString());
            }
        }
        const string Refused = "ERR RATE_LIMITED NICK :too many wrong passwords from 127.0.0.5: try again later";
        Assert.Equal(Refused, await AnswerToRightPasswordAsync(server));

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(Refused, await AnswerToRightPasswordAsync(server)); // not yet: the three still count as more than two

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("NICK * alice", await AnswerToRightPasswordAsync(server));
        Assert.Equal(3, server.Guard().Metrics.PasswordFailures.Total);
    }
}
