namespace Travelers.Runtime.Tests.Simulation;

/// <summary>DESIGN: every option is validated at start, and a bad value fails with a message naming the option.</summary>
public sealed class NetworkConditionsTests
{
    private const string Option = "NetClientOptions.Conditions";

    [Fact]
    public void The_defaults_are_a_perfect_network_and_valid()
    {
        var conditions = new NetworkConditions();

        conditions.Validate(Option);

        Assert.True(conditions.IsPerfect);
        Assert.Equal("perfect network, seed 0", conditions.ToString());
    }

    [Theory]
    [InlineData(nameof(NetworkConditions.Loss), -0.1)]
    [InlineData(nameof(NetworkConditions.Loss), 1.5)]
    [InlineData(nameof(NetworkConditions.Loss), double.NaN)]
    [InlineData(nameof(NetworkConditions.Duplicate), 2)]
    [InlineData(nameof(NetworkConditions.Duplicate), double.PositiveInfinity)]
    [InlineData(nameof(NetworkConditions.Reorder), -1)]
    [InlineData(nameof(NetworkConditions.Corrupt), double.NaN)]
    [InlineData(nameof(NetworkConditions.Latency), -1)]
    [InlineData(nameof(NetworkConditions.Latency), 61_000)]
    [InlineData(nameof(NetworkConditions.Jitter), -5)]
    [InlineData(nameof(NetworkConditions.Jitter), 120_000)]
    [InlineData(nameof(NetworkConditions.BandwidthBytesPerSecond), -1)]
    public void A_bad_value_fails_with_a_message_naming_the_option_and_the_property(string property, double value)
    {
        NetworkConditions conditions = With(property, value);

        var error = Assert.Throws<ArgumentException>(() => conditions.Validate(Option));

        Assert.StartsWith($"{Option}.{property} ", error.Message, StringComparison.Ordinal);
        Assert.Equal(Option, error.ParamName);
    }

    [Theory]
    [InlineData(nameof(NetworkConditions.Loss), 1)]
    [InlineData(nameof(NetworkConditions.Corrupt), 0.5)]
    [InlineData(nameof(NetworkConditions.Latency), 60_000)]
    [InlineData(nameof(NetworkConditions.BandwidthBytesPerSecond), 1)]
    public void Values_at_the_limits_are_accepted(string property, double value)
    {
        With(property, value).Validate(Option);

        Assert.False(With(property, value).IsPerfect);
    }

    [Fact]
    public void Jitter_may_exceed_the_latency()
    {
        var conditions = new NetworkConditions { Latency = TimeSpan.FromMilliseconds(5), Jitter = TimeSpan.FromMilliseconds(50) };

        conditions.Validate(Option);

        Assert.Equal(TimeSpan.FromMilliseconds(50), conditions.Jitter);
    }

    [Fact]
    public void ToString_names_the_settings_that_are_not_zero()
    {
        var conditions = new NetworkConditions
        {
            Latency = TimeSpan.FromMilliseconds(50), Jitter = TimeSpan.FromMilliseconds(20), Loss = 0.1, Corrupt = 0.005, BandwidthBytesPerSecond = 125_000, Seed = 7,
        };

        Assert.Equal("latency 50 ms ± 20 ms, loss 10%, corrupt 0.5%, bandwidth 125000 B/s, seed 7", conditions.ToString());
    }

    private static NetworkConditions With(string property, double value) => property switch
    {
        nameof(NetworkConditions.Loss) => new NetworkConditions { Loss = value },
        nameof(NetworkConditions.Duplicate) => new NetworkConditions { Duplicate = value },
        nameof(NetworkConditions.Reorder) => new NetworkConditions { Reorder = value },
        nameof(NetworkConditions.Corrupt) => new NetworkConditions { Corrupt = value },
        nameof(NetworkConditions.Latency) => new NetworkConditions { Latency = TimeSpan.FromMilliseconds(value) },
        nameof(NetworkConditions.Jitter) => new NetworkConditions { Jitter = TimeSpan.FromMilliseconds(value) },
        nameof(NetworkConditions.BandwidthBytesPerSecond) => new NetworkConditions { BandwidthBytesPerSecond = (long)value },
        _ => throw new ArgumentOutOfRangeException(nameof(property), property, null),
    };
}
