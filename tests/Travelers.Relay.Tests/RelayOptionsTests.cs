using System.Net;

namespace Travelers.RelayTool.Tests;

/// <summary>The command line: every option, good values and bad ones with messages that say what to write.</summary>
public sealed class RelayOptionsTests
{
    private const string Required = "--listen 9000 --target 127.0.0.1:7777";

    [Fact]
    public void The_example_command_line_parses()
    {
        RelayOptions options = Parse("--listen 9000 --target 127.0.0.1:7777 --loss 0.1 --latency 50ms --jitter 20ms");

        Assert.Equal(9000, options.Listen.Port);
        Assert.True(options.Listen.Address.Equals(IPAddress.IPv6Any) || options.Listen.Address.Equals(IPAddress.Any));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7777), options.Target);
        Assert.Equal(0.1, options.Conditions.Loss);
        Assert.Equal(TimeSpan.FromMilliseconds(50), options.Conditions.Latency);
        Assert.Equal(TimeSpan.FromMilliseconds(20), options.Conditions.Jitter);
    }

    [Fact]
    public void Every_condition_parses()
    {
        RelayOptions options = Parse(
            "--listen 127.0.0.1:0 --target [::1]:7777 --duplicate 0.05 --reorder 2.5% --corrupt 0.001 --bandwidth 125000 --seed -3");

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 0), options.Listen);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 7777), options.Target);
        Assert.Equal(0.05, options.Conditions.Duplicate);
        Assert.Equal(0.025, options.Conditions.Reorder, 12);
        Assert.Equal(0.001, options.Conditions.Corrupt);
        Assert.Equal(125_000, options.Conditions.BandwidthBytesPerSecond);
        Assert.Equal(-3, options.Conditions.Seed);
        Assert.Equal(TimeSpan.Zero, options.Conditions.Latency);
        Assert.Equal(0, options.Conditions.Loss);
    }

    [Fact]
    public void Localhost_is_the_loopback_address()
    {
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7777), Parse("--listen 9000 --target localhost:7777").Target);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--listen 9000 --help")]
    public void Help_returns_no_options(string commandLine)
    {
        Assert.Null(RelayOptions.Parse(commandLine.Split(' ')));
        Assert.Contains("--latency <duration>", RelayOptions.Usage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("50ms", 50)]
    [InlineData("250MS", 250)]
    [InlineData("1s", 1000)]
    [InlineData("0.5s", 500)]
    [InlineData("60s", 60_000)]
    public void Durations_take_ms_or_s(string text, double milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), RelayOptions.ParseDuration("--latency", text));
    }

    [Theory]
    [InlineData("--listen 9000", "--target is required.")]
    [InlineData("--target 127.0.0.1:7777", "--listen is required.")]
    [InlineData(Required + " --frobnicate 1", "Unknown option '--frobnicate'.")]
    [InlineData(Required + " --loss", "--loss needs a value.")]
    [InlineData(Required + " --loss --seed 1", "--loss needs a value.")]
    [InlineData(Required + " --loss 0.1 --loss 0.2", "--loss is given twice.")]
    [InlineData(Required + " --loss 1.5", "--loss: '1.5' is more than 1 (100%).")]
    [InlineData(Required + " --duplicate 150%", "--duplicate: '150%' is more than 1 (100%).")]
    [InlineData(Required + " --corrupt lots", "--corrupt: 'lots' is not a probability; write 0.1 or 10%.")]
    [InlineData(Required + " --reorder -0.1", "--reorder: '-0.1' is not a probability; write 0.1 or 10%.")]
    [InlineData(Required + " --latency 50", "--latency: '50' is not a duration; write it with a unit, e.g. 50ms or 1s.")]
    [InlineData(Required + " --jitter 2m", "--jitter: '2m' is not a duration; write it with a unit, e.g. 50ms or 1s.")]
    [InlineData(Required + " --latency 90s", "--latency: '90s' is longer than the most the simulator accepts (60s).")]
    [InlineData(Required + " --bandwidth 1MB", "--bandwidth: '1MB' is not a whole number of bytes per second (0 = unlimited).")]
    [InlineData(Required + " --seed x", "--seed: 'x' is not a 32-bit integer.")]
    [InlineData("--listen 9000 --target localhost", "--target: 'localhost' is not an address and port; write e.g. 127.0.0.1:7777 (IPv6 in brackets: [::1]:7777).")]
    [InlineData("--listen 9000 --target ::1:7777", "--target: '::1:7777' is not an address and port; write e.g. 127.0.0.1:7777 (IPv6 in brackets: [::1]:7777).")]
    [InlineData("--listen 9000 --target 127.0.0.1:0", "--target: '127.0.0.1:0' has port 0; the server's port is needed.")]
    [InlineData("--listen 70000 --target 127.0.0.1:7777", "--listen: '70000' is not an address and port; write e.g. 9000 or 127.0.0.1:9000 (IPv6 in brackets: [::1]:7777).")]
    public void A_bad_command_line_fails_with_a_message_that_says_what_is_wrong(string commandLine, string message)
    {
        var error = Assert.Throws<FormatException>(() => RelayOptions.Parse(commandLine.Split(' ')));

        Assert.Equal(message, error.Message);
    }

    private static RelayOptions Parse(string commandLine) => RelayOptions.Parse(commandLine.Split(' '))!;
}
