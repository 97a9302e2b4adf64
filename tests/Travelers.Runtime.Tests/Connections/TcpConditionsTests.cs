using System.Diagnostics;
using Travelers;

namespace Travelers.Runtime.Tests.Connections;

/// <summary>
/// <see cref="NetworkConditions"/> over TCP: the latency and the bandwidth cap apply to the endpoint's traffic both
/// ways, in order; what a stream cannot do (loss, duplication, reordering, corruption, jitter) does not apply.
/// Timings are asserted as lower bounds only: a loaded machine makes things slower, never faster.
/// </summary>
public sealed class TcpConditionsTests
{
    [Fact]
    public async Task Latency_delays_both_ways_and_loss_jitter_and_reordering_do_not_apply_to_a_stream()
    {
        await using NetServer server = await Loopback.StartServerAsync();
        server.On((NetConnection from, in Echo m) => from.Send(in m));
        var received = new List<int>();
        var bad = new NetworkConditions
        {
            Latency = TimeSpan.FromMilliseconds(60), Jitter = TimeSpan.FromMilliseconds(40),
            Loss = 0.5, Duplicate = 0.5, Reorder = 0.5, Corrupt = 0.5, Seed = 3,
        };
        await using NetClient client = await Loopback.ConnectAsync(server, new NetClientOptions { Conditions = bad }, c => c.On((NetConnection _, in Echo m) => received.Add(m.Sequence)));

        var clock = Stopwatch.StartNew();
        client.Send(new Echo { Sequence = -1 });
        await Loopback.Until(() => received.Count == 1, server.Poll, client.Poll);
        TimeSpan roundTrip = clock.Elapsed;

        for (int i = 0; i < 200; i++)
        {
            client.Send(new Echo { Sequence = i, Text = "in order, once" });
            client.Poll(); // a flush each: 200 batches, each with its own delay
        }

        await Loopback.Until(() => received.Count == 201, server.Poll, client.Poll);

        Assert.True(roundTrip >= TimeSpan.FromMilliseconds(115), $"round trip {roundTrip.TotalMilliseconds} ms: the client's 60 ms go on its sends and on its receives");
        Assert.Equal([-1, .. Enumerable.Range(0, 200)], received);
        Assert.True(client.Connection.IsConnected);
    }

    [Fact]
    public async Task The_bandwidth_cap_paces_a_large_message_and_the_server_sees_its_own_cap_on_what_it_receives()
    {
        var capped = Loopback.ServerOptions();
        capped.Conditions = new NetworkConditions { BandwidthBytesPerSecond = 200_000 };
        await using NetServer server = await Loopback.StartServerAsync(capped);
        byte[]? got = null;
        server.On((NetConnection _, in Blob b) => got = b.Data);
        await using NetClient client = await Loopback.ConnectAsync(server);
        byte[] data = new byte[100_000];
        new Random(5).NextBytes(data);

        var clock = Stopwatch.StartNew();
        client.Send(new Blob { Data = data });
        await Loopback.Until(() => got is not null, server.Poll, client.Poll);
        TimeSpan elapsed = clock.Elapsed;

        Assert.Equal(data, got);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(480), $"100 KB at 200 KB/s took {elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_dispose_while_a_simulated_delay_holds_bytes_does_not_wait_for_the_delay()
    {
        await using NetServer server = await Loopback.StartServerAsync();
        var slow = new NetClientOptions { Conditions = new NetworkConditions { Latency = TimeSpan.FromSeconds(30) }, HandshakeTimeout = TimeSpan.FromMinutes(2) };
        var client = new NetClient(slow);
        Task connect = client.ConnectAsync(server.LocalEndPoint, TestContext.Current.CancellationToken);
        await Loopback.Until(() => server.PendingHandshakes > 0 || connect.IsCompleted, server.Poll); // the hello waits 30 s in the client's send loop

        await client.DisposeAsync().AsTask().WaitAsync(Loopback.Bound, TestContext.Current.CancellationToken);

        await Assert.ThrowsAnyAsync<Exception>(() => connect.WaitAsync(Loopback.Bound, TestContext.Current.CancellationToken));
    }
}
