using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Travelers.Runtime.Tests.Connections;
using Travelers.Transport.Udp;

namespace Travelers.Runtime.Tests.Udp;

/// <summary>How a UDP socket receives: a thread of its own for the server's and a process's first few clients', the runtime's asynchronous receive for the rest.</summary>
public sealed class UdpSocketTests
{
    [Fact]
    public async Task Clients_past_the_dedicated_threads_receive_asynchronously_and_every_socket_gets_its_datagrams()
    {
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var sockets = new List<UdpSocket>();
        var received = new int[UdpSocket.DedicatedClientThreads + 3];
        try
        {
            for (int i = 0; i < received.Length; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                socket.Connect(peer.LocalEndPoint!);
                int index = i;
                var udp = new UdpSocket(socket, peer.LocalEndPoint!.Serialize(), null, new FakeTimeProvider(), (datagram, _) => Interlocked.Add(ref received[index], datagram.Length));
                udp.Start();
                sockets.Add(udp);
            }

            // Other tests may hold some of the process's dedicated threads; these sockets can hold at most all of them.
            Assert.True(sockets.Count(s => !s.HasReceiveThread) >= received.Length - UdpSocket.DedicatedClientThreads);
            for (int i = 0; i < sockets.Count; i++)
            {
                peer.SendTo(new byte[i + 1], sockets[i].LocalEndPoint);
            }

            await Loopback.Until(() => Enumerable.Range(0, received.Length).All(i => Volatile.Read(ref received[i]) == i + 1));
        }
        finally
        {
            foreach (UdpSocket udp in sockets)
            {
                udp.Dispose();
            }
        }

        await Task.WhenAll(sockets.Select(s => s.Stopped)).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }
}
