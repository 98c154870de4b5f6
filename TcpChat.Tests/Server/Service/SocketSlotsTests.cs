using TcpChat.Server.Hosting;

namespace TcpChat.Tests.Server.Service;

/// <summary>The count of sockets the server holds against what the open-file limit allows (ChatListener, the web port).</summary>
public sealed class SocketSlotsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SlotsAreTakenUpToTheLimitAndNoFurther()
    {
        var slots = new SocketSlots(2);
        Assert.True(slots.TakeAsync(CancellationToken.None).IsCompleted);
        Assert.True(slots.TakeAsync(CancellationToken.None).IsCompleted);
        Task third = slots.TakeAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        Assert.Equal(2, slots.Held);
        slots.Release();
        await third.WaitAsync(Generous);
        Assert.Equal(2, slots.Held);
    }

    [Fact]
    public async Task AnAcceptWaitingForASlotGetsTheFirstOneGivenBack()
    {
        var slots = new SocketSlots(1);
        await slots.TakeAsync(CancellationToken.None);
        Task waiting = slots.TakeAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted); // full: no completion until a slot is free
        slots.Release();
        await waiting.WaitAsync(Generous);
        Assert.Equal(1, slots.Held);
    }

    [Fact]
    public async Task ALimitLoweredBelowWhatIsHeldClosesNobodyAndLetsNoOneInUntilEnoughHaveGone()
    {
        var slots = new SocketSlots(4);
        for (int i = 0; i < 4; i++) Assert.True(slots.TakeAsync(CancellationToken.None).IsCompleted);
        slots.Limit = 2; // the open-file limit came down under the server
        Assert.Equal(4, slots.Held);
        Task waiting = slots.TakeAsync(CancellationToken.None);
        slots.Release();
        slots.Release(); // 2 held: still at the new limit
        Assert.False(waiting.IsCompleted);
        slots.Release(); // 1 held: room for one
        await waiting.WaitAsync(Generous);
        Assert.Equal(2, slots.Held);
    }

    [Fact]
    public async Task ALimitRaisedLetsTheWaitingAcceptIn()
    {
        var slots = new SocketSlots(1);
        Assert.True(slots.TakeAsync(CancellationToken.None).IsCompleted);
        Task waiting = slots.TakeAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        slots.Limit = 2; // the limit went back up
        await waiting.WaitAsync(Generous);
        Assert.Equal(2, slots.Held);
    }

    [Fact]
    public async Task AWaitingAcceptEndsWhenTheServerStops()
    {
        var slots = new SocketSlots(0);
        using var stopping = new CancellationTokenSource();
        Task waiting = slots.TakeAsync(stopping.Token);
        stopping.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Generous));
        Assert.Equal(0, slots.Held);
    }
}
