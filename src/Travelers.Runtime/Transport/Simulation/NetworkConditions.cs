using System;
using System.Globalization;

namespace Travelers;

/// <summary>
/// A bad network to simulate: latency, jitter, loss, duplication, reordering, corruption and a bandwidth cap,
/// drawn from a seeded random generator so that a run can be repeated. The defaults (all zero) are a perfect
/// network: nothing is delayed, lost or changed.
/// </summary>
/// <remarks>
/// The same <see cref="Seed"/> and the same sequence of datagrams give the same decisions (which datagrams
/// are lost, duplicated, corrupted or held back, and their delays). Wall-clock delivery can still differ
/// between runs by the scheduling precision of the machine's timers.
/// </remarks>
public sealed class NetworkConditions
{
    /// <summary>The longest <see cref="Latency"/> or <see cref="Jitter"/> accepted.</summary>
    /// <remarks>Longer is no longer a network but an outage, and held datagrams would pile up to the simulator's cap.</remarks>
    internal static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);

    /// <summary>The one-way delay added to every datagram. Default zero.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>
    /// The most a datagram's delay differs from <see cref="Latency"/>, drawn uniformly from
    /// [-<see cref="Jitter"/>, +<see cref="Jitter"/>]. It may exceed the latency: delays are clamped at zero.
    /// Default zero.
    /// </summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>The probability (0 to 1) that a datagram is lost. Default zero.</summary>
    public double Loss { get; init; }

    /// <summary>The probability (0 to 1) that a datagram arrives twice, each copy with its own delay. Default zero.</summary>
    public double Duplicate { get; init; }

    /// <summary>
    /// The probability (0 to 1) that a datagram is held back by an extra delay (half to one and a half times the
    /// larger of <see cref="Latency"/> and 20 ms), so that later datagrams overtake it. Default zero.
    /// </summary>
    public double Reorder { get; init; }

    /// <summary>The probability (0 to 1) that one random bit of a datagram is flipped. Default zero.</summary>
    public double Corrupt { get; init; }

    /// <summary>
    /// The link's capacity in bytes per second: a datagram leaves no earlier than the one before it has been
    /// sent, and one that would wait more than a second behind the others is dropped. Zero, the default, is
    /// unlimited.
    /// </summary>
    public long BandwidthBytesPerSecond { get; init; }

    /// <summary>The seed of the random decisions. Default zero.</summary>
    public int Seed { get; init; }

    /// <summary>True when nothing is simulated: every datagram passes at once, unchanged.</summary>
    internal bool IsPerfect =>
        Latency == TimeSpan.Zero && Jitter == TimeSpan.Zero && Loss == 0 && Duplicate == 0 && Reorder == 0 && Corrupt == 0 && BandwidthBytesPerSecond == 0;

    /// <summary>Checks every property; throws naming the first bad one.</summary>
    /// <param name="optionName">The option that holds these conditions, e.g. <c>NetServerOptions.Conditions</c>.</param>
    /// <exception cref="ArgumentException">A property has a bad value.</exception>
    internal void Validate(string optionName)
    {
        RequireDelay(Latency, optionName, nameof(Latency));
        RequireDelay(Jitter, optionName, nameof(Jitter));
        RequireProbability(Loss, optionName, nameof(Loss));
        RequireProbability(Duplicate, optionName, nameof(Duplicate));
        RequireProbability(Reorder, optionName, nameof(Reorder));
        RequireProbability(Corrupt, optionName, nameof(Corrupt));
        Require(BandwidthBytesPerSecond >= 0, optionName, nameof(BandwidthBytesPerSecond), BandwidthBytesPerSecond, "must not be negative (0 is unlimited)");
    }

    /// <summary>A one-line summary, e.g. <c>latency 50 ms ± 20 ms, loss 10%, seed 0</c>; settings left at zero are omitted.</summary>
    public override string ToString()
    {
        if (IsPerfect)
        {
            return string.Create(CultureInfo.InvariantCulture, $"perfect network, seed {Seed}");
        }

        var text = new System.Text.StringBuilder();
        if (Latency != TimeSpan.Zero || Jitter != TimeSpan.Zero)
        {
            Append(text, $"latency {Latency.TotalMilliseconds:0.###} ms ± {Jitter.TotalMilliseconds:0.###} ms");
        }

        AppendProbability(text, "loss", Loss);
        AppendProbability(text, "duplicate", Duplicate);
        AppendProbability(text, "reorder", Reorder);
        AppendProbability(text, "corrupt", Corrupt);
        if (BandwidthBytesPerSecond != 0)
        {
            Append(text, $"bandwidth {BandwidthBytesPerSecond} B/s");
        }

        Append(text, $"seed {Seed}");
        return text.ToString();
    }

    private static void AppendProbability(System.Text.StringBuilder text, string name, double value)
    {
        if (value != 0)
        {
            Append(text, $"{name} {value * 100:0.###}%");
        }
    }

    private static void Append(System.Text.StringBuilder text, FormattableString part)
    {
        if (text.Length > 0)
        {
            text.Append(", ");
        }

        text.Append(part.ToString(CultureInfo.InvariantCulture));
    }

    private static void RequireDelay(TimeSpan value, string optionName, string property)
    {
        Require(value >= TimeSpan.Zero, optionName, property, value, "must not be negative");
        Require(value <= MaxDelay, optionName, property, value, $"must be at most {MaxDelay.TotalSeconds:0} s");
    }

    private static void RequireProbability(double value, string optionName, string property) =>
        Require(value is >= 0 and <= 1, optionName, property, value, "must be a probability between 0 and 1");

    private static void Require(bool condition, string optionName, string property, object value, string rule)
    {
        if (!condition)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{optionName}.{property} {rule} (it is {value})."), optionName);
        }
    }
}
