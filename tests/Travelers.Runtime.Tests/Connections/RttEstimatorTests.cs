using Travelers;

namespace Travelers.Runtime.Tests.Connections;

/// <summary>RFC 6298, section 2, with a 1 ms clock granularity and the floor and ceiling the transports give.</summary>
public sealed class RttEstimatorTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Before_any_sample_the_timeout_is_the_initial_one()
    {
        var rtt = new RttEstimator(TimeSpan.FromSeconds(1), 10 * Ms, TimeSpan.FromSeconds(60));
        Assert.Equal(TimeSpan.Zero, rtt.Smoothed);
        Assert.Equal(TimeSpan.FromSeconds(1), rtt.Rto);
    }

    [Fact]
    public void The_first_sample_sets_srtt_to_r_and_rttvar_to_half_of_it()
    {
        var rtt = new RttEstimator(TimeSpan.FromSeconds(1), 10 * Ms, TimeSpan.FromSeconds(60));
        rtt.Add(100 * Ms);
        Assert.Equal(100 * Ms, rtt.Smoothed);
        Assert.Equal(50 * Ms, rtt.Variation);
        Assert.Equal(300 * Ms, rtt.Rto); // SRTT + 4 RTTVAR
    }

    [Fact]
    public void Later_samples_smooth_with_alpha_one_eighth_and_beta_one_quarter()
    {
        var rtt = new RttEstimator(TimeSpan.FromSeconds(1), 10 * Ms, TimeSpan.FromSeconds(60));
        rtt.Add(100 * Ms);
        rtt.Add(180 * Ms);

        // RTTVAR = 3/4 * 50 + 1/4 * |100 - 180| = 57.5; SRTT = 7/8 * 100 + 1/8 * 180 = 110.
        Assert.Equal(57.5 * Ms, rtt.Variation);
        Assert.Equal(110 * Ms, rtt.Smoothed);
        Assert.Equal(340 * Ms, rtt.Rto);
    }

    [Fact]
    public void The_timeout_keeps_to_its_floor_and_ceiling_and_backs_off_by_doubling()
    {
        var rtt = new RttEstimator(TimeSpan.FromSeconds(1), 200 * Ms, TimeSpan.FromSeconds(2));
        rtt.Add(10 * Ms);
        Assert.Equal(200 * Ms, rtt.Rto); // 30 ms raised to the floor
        rtt.BackOff();
        Assert.Equal(400 * Ms, rtt.Rto);
        rtt.BackOff();
        rtt.BackOff();
        rtt.BackOff();
        Assert.Equal(TimeSpan.FromSeconds(2), rtt.Rto); // the ceiling
    }

    [Fact]
    public void Negative_samples_are_ignored_and_huge_ones_capped()
    {
        var rtt = new RttEstimator(TimeSpan.FromSeconds(1), 10 * Ms, TimeSpan.FromSeconds(60));
        rtt.Add(-5 * Ms);
        Assert.Equal(TimeSpan.Zero, rtt.Smoothed);
        rtt.Add(TimeSpan.MaxValue);
        Assert.Equal(TimeSpan.FromSeconds(60), rtt.Smoothed);
        Assert.Equal(TimeSpan.FromSeconds(60), rtt.Rto);
    }
}
