using System.Net;
using Travelers;
using Travelers.Runtime.Tests.Connections;

namespace Travelers.Runtime.Tests.Udp;

/// <summary>The connection surface over UDP on loopback: the same promises as over TCP, and each delivery mode's own.</summary>
public sealed class UdpConnectionTests
{
    internal static NetServerOptions Server(NetworkConditions? conditions = null, IPAddress? address = null) =>
        new() { Transport = NetTransport.Udp, Address = address ?? IPAddress.Loopback, Port = 0, Conditions = conditions };

    internal static NetClientOptions Client(NetworkConditions? conditions = null) =>
        new() { Transport = NetTransport.Udp, Conditions = conditions };

    [Fact]
    public async Task A_client_connects_and_its_messages_are_echoed_in_order()
    {
        await using NetServer server = await Loopback.StartServerAsync(Server());
        server.On((NetConnection from, in Echo m) => from.Send(in m));
        var received = new List<int>();
        await using NetClient client = await Loopback.ConnectAsync(server, Client(), c => c.On((NetConnection _, in Echo m) => received.Add(m.Sequence)));

        Assert.True(client.Connection.IsConnected);
        Assert.NotEqual(0, client.Connection.Id);
        for (int i = 0; i < 1000; i++)
        {
            client.Send(new Echo { Client = 1, Sequence = i, Text = "hello" });
        }

        await Loopback.Until(() => received.Count == 1000, server.Poll, client.Poll);
        Assert.Equal(Enumerable.Range(0, 1000), received);
        Assert.Equal(1000, client.Connection.Statistics.MessagesSent);
    }
}
