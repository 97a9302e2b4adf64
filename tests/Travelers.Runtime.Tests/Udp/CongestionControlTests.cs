using Microsoft.Extensions.Time.Testing;
using Travelers;
using Travelers.Transport.Udp;

namespace Travelers.Runtime.Tests.Udp;

/// <summary>The AIMD window and its pacing: a loss halves the window once a round trip, acknowledgements grow it.</summary>
public sealed class CongestionControlTests
{
    private const int Mtu = 1200;
    private static readonly long Second = new FakeTimeProvider().TimestampFrequency;
    private static readonly long Srtt = Second / 20;

    /// <summary>A clock well away from zero, as a machine's Stopwatch is: the first loss must cut the window whatever the time.</summary>
    private static readonly long Start = 1_000 * Second;

    [Fact]
    public void The_first_loss_halves_the_window()
    {
        var congestion = new CongestionControl(Mtu, maxWindow: 64L << 20, Start);
        long before = congestion.Window;
        congestion.OnSent(Mtu);

        congestion.OnLost(Mtu, Start + Second, Srtt);

        Assert.Equal(1, congestion.Reductions);
        Assert.Equal(before / 2, congestion.Window);
        Assert.Equal(0, congestion.InFlight);
    }

    [Fact]
    public void A_loss_at_time_zero_halves_the_window_too()
    {
        var congestion = new CongestionControl(Mtu, maxWindow: 64L << 20, now: 0);
        long before = congestion.Window;

        congestion.OnLost(Mtu, now: 0, Srtt);

        Assert.Equal(before / 2, congestion.Window);
    }

    [Fact]
    public void Losses_within_a_round_trip_count_once_and_a_later_one_again()
    {
        var congestion = new CongestionControl(Mtu, maxWindow: 64L << 20, Start);
        for (int i = 0; i < 64; i++)
        {
            congestion.OnAcknowledged(Mtu); // slow start: well above the floor, so that two halvings show
        }

        long before = congestion.Window;
        Assert.Equal(96 * Mtu, before);

        congestion.OnLost(Mtu, Start, Srtt);
        congestion.OnLost(Mtu, Start + (Srtt / 2), Srtt); // the same burst
        congestion.OnLost(Mtu, Start + Srtt - 1, Srtt);
        Assert.Equal(1, congestion.Reductions);
        Assert.Equal(before / 2, congestion.Window);

        congestion.OnLost(Mtu, Start + Srtt, Srtt); // a round trip later: another loss event
        Assert.Equal(2, congestion.Reductions);
        Assert.Equal(before / 4, congestion.Window);
    }

    [Fact]
    public void The_window_never_falls_below_its_floor()
    {
        var congestion = new CongestionControl(Mtu, maxWindow: 64L << 20, Start);
        for (int i = 0; i < 20; i++)
        {
            congestion.OnLost(Mtu, Start + (i * Srtt), Srtt);
        }

        Assert.Equal(CongestionControl.MinWindowPackets * (long)Mtu, congestion.Window);
        Assert.Equal(20, congestion.Reductions);
    }

    [Fact]
    public void After_a_loss_the_window_grows_by_a_datagram_a_window_rather_than_doubling()
    {
        var congestion = new CongestionControl(Mtu, maxWindow: 64L << 20, Start);
        long initial = congestion.Window;
        congestion.OnAcknowledged(Mtu); // slow start: each acknowledged byte adds a byte
        Assert.Equal(initial + Mtu, congestion.Window);

        congestion.OnLost(Mtu, Start, Srtt);
        long threshold = congestion.Window;
        for (long acked = 0; acked < threshold; acked += Mtu)
        {
            congestion.OnAcknowledged(Mtu); // a whole window acknowledged
        }

        Assert.InRange(congestion.Window, threshold + Mtu - 64, threshold + Mtu);
    }

    [Fact]
    public void The_window_stops_at_its_ceiling()
    {
        var congestion = new CongestionControl(Mtu, maxWindow: 40 * Mtu, Start);
        for (int i = 0; i < 100; i++)
        {
            congestion.OnAcknowledged(Mtu);
        }

        Assert.Equal(40 * Mtu, congestion.Window);
    }

    [Fact]
    public void What_is_in_flight_stays_within_the_window()
    {
        var congestion = new CongestionControl(Mtu, maxWindow: 64L << 20, Start);
        long window = congestion.Window;
        for (int i = 0; i < 32; i++)
        {
            Assert.True(congestion.CanSend(Mtu, Start, Srtt));
            congestion.OnSent(Mtu);
        }

        Assert.Equal(window, congestion.InFlight);
        Assert.False(congestion.CanSend(1, Start + (10 * Srtt), Srtt)); // the pacing budget is back; the window is full

        congestion.OnAcknowledged(Mtu); // slow start: the window grows by what was acknowledged
        Assert.Equal(window - Mtu, congestion.InFlight);
        Assert.Equal(window + Mtu, congestion.Window);
        Assert.True(congestion.CanSend(2 * Mtu, Start + (10 * Srtt), Srtt)); // exactly the room left
        Assert.False(congestion.CanSend((2 * Mtu) + 1, Start + (10 * Srtt), Srtt));

        congestion.OnLost(Mtu, Start + (10 * Srtt), Srtt);
        Assert.Equal(window - (2 * Mtu), congestion.InFlight);
        congestion.OnAcknowledged(100 * Mtu); // more than is in flight: never below none
        Assert.Equal(0, congestion.InFlight);
        congestion.OnLost(Mtu, Start + (20 * Srtt), Srtt);
        Assert.Equal(0, congestion.InFlight);
    }

    [Fact]
    public void Sending_is_paced_at_twice_the_window_a_round_trip_with_bursts_of_half_a_window()
    {
        var congestion = new CongestionControl(Mtu, maxWindow: 64L << 20, Start);
        long window = congestion.Window;
        Assert.True(congestion.CanSend((int)window, Start, Srtt)); // the first burst: a whole window, asked at once

        congestion.OnSent(16 * Mtu);
        congestion.OnAcknowledged(16 * Mtu); // the window has room again (48 datagrams, none in flight)...
        Assert.True(congestion.CanSend(16 * Mtu, Start, Srtt));
        Assert.False(congestion.CanSend((16 * Mtu) + 1, Start, Srtt)); // ...but only what was not spent of the budget

        congestion.OnSent(16 * Mtu);
        congestion.OnAcknowledged(16 * Mtu); // the budget spent; the window 64 datagrams
        Assert.Equal(64 * Mtu, congestion.Window);
        Assert.False(congestion.CanSend(1, Start, Srtt));

        // An eighth of a round trip refills a quarter of the window (twice the window a round trip): 16 datagrams.
        Assert.True(congestion.CanSend(16 * Mtu, Start + (Srtt / 8), Srtt));
        Assert.False(congestion.CanSend((16 * Mtu) + 1, Start + (Srtt / 8), Srtt));

        // However long the pause, no more than half the window at once.
        Assert.True(congestion.CanSend(32 * Mtu, Start + (100 * Srtt), Srtt));
        Assert.False(congestion.CanSend((32 * Mtu) + 1, Start + (100 * Srtt), Srtt));
    }

    [Fact]
    public void A_ceiling_below_the_floor_is_raised_to_it()
    {
        var congestion = new CongestionControl(Mtu, maxWindow: 4 * Mtu, Start);
        congestion.OnAcknowledged(Mtu);
        Assert.Equal(CongestionControl.MinWindowPackets * (long)Mtu, congestion.Window);
    }

    [Fact]
    public void Under_heavy_loss_the_window_ends_below_where_it_began()
    {
        var pair = new LinkPair(seed: 5) { Loss = 0.3, Latency = TimeSpan.FromMilliseconds(25) };
        long initial = pair.A.CongestionWindow;
        pair.SendFromA(20_000, Delivery.ReliableOrdered, 0);
        pair.RunUntil(() => pair.OwnerB.Records.Count == 20_000);

        Assert.Equal(20_000, pair.OwnerB.Records.Count);
        Assert.True(pair.A.Resends > 1000, $"{pair.A.Resends} resends");
        Assert.True(
            pair.A.CongestionWindow < initial,
            $"30% loss, {pair.A.Resends} resends, and the window went from {initial} to {pair.A.CongestionWindow} bytes");
    }
}
