using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using TcpChat.Server.Hosting;

namespace TcpChat.Server.Web;

/// <summary>
/// Kestrel's socket transport with the TCP port's accept discipline. Before each accept it waits for one of the chat
/// listener's <see cref="SocketSlots"/>: without that, a burst of connections to the web port is accepted as fast as
/// the kernel queues them, the process runs out of open files, and the runtime, needing one of its own, aborts the
/// whole server ("Out of memory."). And a failed accept (out of descriptors) is counted, backed off and tried again,
/// where Kestrel would stop accepting on that port for good. Connections past what the open-file limit holds wait in
/// the listen queue. The slot is given back when Kestrel is done with the connection (<see cref="WebServer"/>'s
/// connection middleware).
/// </summary>
internal sealed class SlottedListenerFactory(IConnectionListenerFactory transport, ChatListener chat) : IConnectionListenerFactory
{
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new Listener(await transport.BindAsync(endpoint, cancellationToken), chat);

    private sealed class Listener(IConnectionListener inner, ChatListener chat) : IConnectionListener
    {
        private readonly AcceptBackoff _backoff = new();
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
            while (true)
            {
                try
                {
                    await chat.Slots.TakeAsync(cancel.Token);
                }
                catch (OperationCanceledException) { return null; } // unbinding: what Kestrel expects of a listener
                if (chat.RefitIfLimitChanged())
                {
                    chat.Slots.Release(); // taken under the old limit: take one again under the new
                    continue;
                }
                try
                {
                    var connection = await inner.AcceptAsync(cancellationToken);
                    if (connection is null) chat.Slots.Release(); // the listener was unbound: no connection came of it
                    else _backoff.Succeeded();
                    return connection;
                }
                catch (SocketException failed)
                {
                    chat.Slots.Release();
                    if (!await chat.AfterFailedAcceptAsync(failed, inner.EndPoint, _backoff, cancel.Token)) return null;
                }
                catch
                {
                    chat.Slots.Release();
                    throw;
                }
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _unbound.Cancel(); // an accept waiting for a slot returns at once
            return inner.UnbindAsync(cancellationToken);
        }

        public ValueTask DisposeAsync()
        {
            _unbound.Cancel();
            return inner.DisposeAsync();
        }
    }
}
