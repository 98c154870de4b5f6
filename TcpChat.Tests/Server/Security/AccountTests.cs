using System.Text;
using TcpChat.Protocol;
using TcpChat.Server.Security;
using TcpChat.Tests.Infrastructure;
using TcpChat.Tests.Server.Hardening;

namespace TcpChat.Tests.Server.Security;

/// <summary>
/// Registered nicks (docs/PROTOCOL.md, "Accounts"): REGISTER &lt;password&gt; protects the nick one holds; NICK &lt;nick&gt;
/// &lt;password&gt; takes it back. Nobody else can take it: not without the password, not by a case or normalization
/// variant, not while its owner holds it.
/// </summary>
public sealed class AccountTests
{
    private const string Password = "correct-horse-battery";

    private static Task<InProcessServer> StartAsync(params string[] flags) =>
        InProcessServer.StartAsync(["--password-failure-delay", "0", .. flags]);

    [Fact]
    public async Task RegisteredNickCannotBeTakenWithoutItsPassword()
    {
        await using var server = await StartAsync();
        await using (var alice = await server.LoginAsync("alice"))
        {
            await alice.RegisterAsync("alice", Password);
            alice.Send("QUIT\n");
            await alice.ExpectClosedAsync();
        }

        await using var mallory = await server.ConnectAsync();
        mallory.Send("NICK alice\n");
        Assert.Equal("ERR NICK_REGISTERED NICK :alice is registered: NICK alice <password>", (await mallory.AnswerToNickAsync()).Answer.ToString());
        mallory.Send("NICK alice wrong-password\n");
        Assert.Equal("ERR BAD_PASSWORD NICK :wrong password for alice", (await mallory.AnswerToNickAsync()).Answer.ToString());
        mallory.Send("NICK mallory\nNICK alice\n");
        await mallory.ExpectAsync("NICK * mallory");
        Assert.StartsWith("ERR NICK_REGISTERED NICK", (await mallory.AnswerToNickAsync()).Answer.ToString());
        Assert.Equal(1, server.Guard().Metrics.PasswordFailures.Total);
    }

    public static TheoryData<string, string, string> Variants() => new()
    {
        { "upper case", "alice", "ALICE" },
        { "mixed case", "alice", "aLiCe" },
        { "NFD of a precomposed nick", "Conceição", "Conceic\u0327a\u0303o" },
        { "NFD, upper case", "Conceição", "CONCEIC\u0327A\u0303O" },
        { "NFC, other case", "Conceição", "conceição" },
        { "NFC of a nick registered in NFD", "Joa\u0303o", "João" },
        { "Greek final sigma, upper case", "Σοφία", "ΣΟΦΊΑ" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task NeitherACaseNorANormalizationVariantOfARegisteredNickCanBeTaken(string why, string owner, string variant)
    {
        await using var server = await StartAsync();
        await using (var holder = await server.LoginAsync(owner))
        {
            await holder.RegisterAsync(owner.Normalize(NormalizationForm.FormC), Password);
            holder.Send("QUIT\n");
            await holder.ExpectClosedAsync();
        }

        await using var mallory = await server.ConnectAsync();
        mallory.Send($"NICK {variant}\n");
        var (answer, _) = await mallory.AnswerToNickAsync();
        Assert.True(answer.ToString().StartsWith("ERR NICK_REGISTERED NICK"), $"{why}: {answer}");
        mallory.Send($"NICK {variant} not-the-password\n");
        Assert.StartsWith("ERR BAD_PASSWORD NICK", (await mallory.AnswerToNickAsync()).Answer.ToString());

        // The owner takes it back under any of its spellings, with the password.
        await using var again = await server.LoginAsync(variant, Password);
        Assert.Contains(again.Seen, f => f.ToString() == $"NICK * {variant.Normalize(NormalizationForm.FormC)}");
    }

    [Fact]
    public async Task OwnerTakesItsNickBackWithThePasswordAndCanChangeIt()
    {
        await using var server = await StartAsync();
        await using (var alice = await server.LoginAsync("alice"))
        {
            await alice.RegisterAsync("alice", Password);
        }
        await ServerInsight.WaitUntilAsync(() => server.Hub().ConnectionCount == 0, "alice to be gone");

        await using (var alice = await server.LoginAsync("alice", Password))
        {
            await alice.RegisterAsync("alice", "a-new-password"); // the holder of a registered nick may set a new password
        }
        await ServerInsight.WaitUntilAsync(() => server.Hub().ConnectionCount == 0, "alice to be gone again");

        await using var mallory = await server.ConnectAsync();
        mallory.Send($"NICK alice {Password}\n");
        Assert.StartsWith("ERR BAD_PASSWORD NICK", (await mallory.AnswerToNickAsync()).Answer.ToString());
        await using var back = await server.LoginAsync("alice", "a-new-password");
    }

    [Fact]
    public async Task SecondConnectionCannotTakeARegisteredNickWhileItsOwnerHoldsItEvenWithThePassword()
    {
        await using var server = await StartAsync();
        await using var alice = await server.LoginAsync("alice");
        await alice.RegisterAsync("alice", Password);

        await using var second = await server.ConnectAsync();
        second.Send($"NICK alice {Password}\n");
        Assert.Equal("ERR NICK_IN_USE NICK :alice is taken", (await second.AnswerToNickAsync()).Answer.ToString());
        second.Send("NICK ALICE\n");
        Assert.StartsWith("ERR NICK_REGISTERED NICK", (await second.AnswerToNickAsync()).Answer.ToString());
    }

    [Fact]
    public async Task HolderRenamesToARegisteredNickWithItsPasswordAndBackToItsCase()
    {
        await using var server = await StartAsync();
        await using (var alice = await server.LoginAsync("alice"))
        {
            await alice.RegisterAsync("alice", Password);
        }
        await ServerInsight.WaitUntilAsync(() => server.Hub().ConnectionCount == 0, "alice to be gone");

        await using var guest = await server.LoginAsync("guest");
        guest.Send($"NICK alice {Password}\n");
        Assert.Equal("NICK guest alice", (await guest.AnswerToNickAsync()).Answer.ToString());
        guest.Send("NICK Alice\n"); // its own nick, another case: no password needed
        Assert.Equal("NICK alice Alice", (await guest.AnswerToNickAsync()).Answer.ToString());
    }

    [Fact]
    public async Task RegisterNeedsANickAndAPasswordOfEightBytesOrMore()
    {
        await using var server = await StartAsync();
        await using var client = await server.ConnectAsync();
        client.Send($"REGISTER {Password}\n");
        Assert.Equal("ERR NEED_NICK REGISTER :register first: NICK <nick>", (await client.ExpectAsync("ERR")).ToString());
        client.Send("NICK alice\nREGISTER short\n");
        Assert.Equal("ERR BAD_PASSWORD REGISTER :a password must be at least 8 bytes", (await client.ExpectAsync("ERR")).ToString());
        client.Send($"REGISTER {new string('p', 257)}\n");
        Assert.Equal("ERR BAD_PASSWORD REGISTER :a password must be at most 256 bytes", (await client.ExpectAsync("ERR")).ToString());
        client.Send("REGISTER :with spaces\n");
        Assert.StartsWith("ERR BAD_FRAME REGISTER", (await client.ExpectAsync("ERR")).ToString());
        await client.RegisterAsync("alice", "ünïcödé-pässwörd");
    }

    [Fact]
    public async Task PasswordForANickNobodyRegisteredIsRefused()
    {
        await using var server = await StartAsync();
        await using var client = await server.ConnectAsync();
        client.Send($"NICK bob {Password}\n");
        Assert.Equal("ERR BAD_PASSWORD NICK :bob is not registered: NICK bob takes it, then REGISTER <password>",
            (await client.AnswerToNickAsync()).Answer.ToString());
        Assert.Equal(0, server.Guard().Metrics.PasswordFailures.Total); // no password was wrong: there was none to check
    }

    [Fact]
    public async Task WrongPasswordsAreAnsweredLateAndTheFifthClosesTheConnection()
    {
        await using var server = await InProcessServer.StartAsync(); // the defaults: 5 failures, a 1 s delay
        var d = SecurityKit.Defaults;
        await using (var alice = await server.LoginAsync("alice"))
        {
            await alice.RegisterAsync("alice", Password);
        }
        await ServerInsight.WaitUntilAsync(() => server.Hub().ConnectionCount == 0, "alice to be gone");

        await using var guesser = await server.ConnectAsync();
        for (int i = 1; i < d.MaxPasswordFailures; i++)
        {
            guesser.Send($"NICK alice guess-number-{i}\n");
            var (answer, after) = await guesser.AnswerToNickAsync();
            Assert.Equal("ERR BAD_PASSWORD NICK :wrong password for alice", answer.ToString());
            Assert.True(after.TotalSeconds >= d.PasswordFailureDelaySeconds - 0.1, $"answer {i} came after {after.TotalSeconds:0.00} s");
        }
        guesser.Send($"NICK alice guess-number-{d.MaxPasswordFailures}\n");
        var last = await guesser.ExpectClosedAsync();
        Assert.Equal($"ERR RATE_LIMITED NICK :{d.MaxPasswordFailures} wrong passwords", last[^2].ToString());
        Assert.Equal(Verb.Bye, last[^1].Verb);
    }

    [Fact]
    public async Task AddressThatGaveTooManyWrongPasswordsIsRefusedUncheckedWhileOthersAreNot()
    {
        await using var server = await StartAsync("--max-password-failures-per-address", "3");
        await using (var alice = await server.LoginAsync("alice"))
        {
            await alice.RegisterAsync("alice", Password);
        }
        await ServerInsight.WaitUntilAsync(() => server.Hub().ConnectionCount == 0, "alice to be gone");

        await using var guesser = await TestClient.ConnectAsync(server.Port, from: "127.0.0.5");
        for (int i = 0; i < 3; i++)
        {
            guesser.Send($"NICK alice guess-{i}-wrong\n");
            Assert.StartsWith("ERR BAD_PASSWORD NICK", (await guesser.AnswerToNickAsync()).Answer.ToString());
        }
        // Now even the right password is not looked at, from any connection of that address.
        await using var sameAddress = await TestClient.ConnectAsync(server.Port, from: "127.0.0.5");
        sameAddress.Send($"NICK alice {Password}\n");
        var last = await sameAddress.ExpectClosedAsync();
        Assert.Equal("ERR RATE_LIMITED NICK :too many wrong passwords from 127.0.0.5: try again later", last[^2].ToString());

        await using var elsewhere = await TestClient.ConnectAsync(server.Port, from: "127.0.0.6");
        elsewhere.Send($"NICK alice {Password}\n");
        Assert.Equal("NICK * alice", (await elsewhere.AnswerToNickAsync()).Answer.ToString());
    }

    [Fact]
    public async Task AddressMayRegisterFiveNewNicksAnHourButChangePasswordsAtWill()
    {
        int limit = SecurityKit.Defaults.MaxNewAccountsPerAddressPerHour;
        await using var server = await StartAsync("--max-new-accounts-per-address", SecurityKit.Text(limit));
        await using var client = await server.LoginAsync("squatter0");
        for (int i = 0; i < limit; i++)
        {
            if (i > 0)
            {
                client.Send($"NICK squatter{i}\n");
                await client.ExpectAsync($"NICK squatter{i - 1} squatter{i}");
            }
            await client.RegisterAsync($"squatter{i}", Password);
        }
        client.Send($"NICK squatter{limit}\nREGISTER {Password}\n");
        Assert.Equal($"ERR RATE_LIMITED REGISTER :at most {limit} new nicks an hour from one address: try again later",
            (await client.ExpectAsync("ERR")).ToString());
        // The session goes on, and a nick it holds that is registered already may get a new password.
        client.Send($"NICK squatter0 {Password}\n");
        await client.ExpectAsync($"NICK squatter{limit} squatter0");
        await client.RegisterAsync("squatter0", "another-password");
    }

    [Fact]
    public async Task PrivateHistoryOfARegisteredNickIsReadOnlyWithItsPassword()
    {
        await using var server = await StartAsync();
        await using (var alice = await server.LoginAsync("alice"))
        {
            await alice.RegisterAsync("alice", Password);
            await using var bob = await server.LoginAsync("bob");
            bob.Send("SEND alice :our secret\n");
            await alice.ExpectAsync("MSG alice bob");
        }
        await ServerInsight.WaitUntilAsync(() => server.Hub().ConnectionCount == 0, "alice and bob to be gone");

        // Without the password, nobody becomes alice, so nobody reads her conversation with bob.
        await using var eve = await server.LoginAsync("eve");
        eve.Send("NICK alice\n");
        Assert.StartsWith("ERR NICK_REGISTERED", (await eve.AnswerToNickAsync()).Answer.ToString());
        eve.Send("HISTORY bob\n");
        Assert.Equal("HISTORY bob 0", (await eve.ExpectAsync("HISTORY bob")).ToString());

        await using var alice2 = await server.LoginAsync("alice", Password);
        alice2.Send("HISTORY bob\n");
        Assert.Equal("HISTORY bob 1", (await alice2.ExpectAsync("HISTORY bob")).ToString());
        Assert.Equal("our secret", (await alice2.NextAsync()).Text);
    }

    [Fact]
    public async Task AccountsAreKeptWithoutHistoryToo()
    {
        await using var server = await StartAsync("--no-history");
        await using (var alice = await server.LoginAsync("alice"))
        {
            await alice.RegisterAsync("alice", Password);
        }
        await ServerInsight.WaitUntilAsync(() => server.Hub().ConnectionCount == 0, "alice to be gone");
        await using var mallory = await server.ConnectAsync();
        mallory.Send("NICK alice\n");
        Assert.StartsWith("ERR NICK_REGISTERED", (await mallory.AnswerToNickAsync()).Answer.ToString());
    }
}
