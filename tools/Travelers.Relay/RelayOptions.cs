using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Travelers.RelayTool;

/// <summary>What the relay listens on, where it forwards, and the network it simulates; parsed from the command line.</summary>
internal sealed class RelayOptions
{
    /// <summary>The text printed by <c>--help</c>.</summary>
    public const string Usage = """
        Travelers.Relay: relays UDP between clients and a server through a simulated network.

        Usage: Travelers.Relay --listen <port|address:port> --target <address:port> [conditions]

          --listen <endpoint>   where clients send: a port (all addresses) or address:port; port 0 lets the OS pick
          --target <endpoint>   the server: address:port, e.g. 127.0.0.1:7777 or [::1]:7777 or localhost:7777
          --latency <duration>  one-way delay added in each direction, e.g. 50ms, 0.2s (default 0)
          --jitter <duration>   delays vary by up to this much either way (default 0)
          --loss <p>            probability a datagram is lost, 0..1 or a percentage: 0.1, 10% (default 0)
          --duplicate <p>       probability a datagram arrives twice (default 0)
          --reorder <p>         probability a datagram is held back so later ones overtake it (default 0)
          --corrupt <p>         probability one bit of a datagram is flipped (default 0)
          --bandwidth <n>       link capacity per client and direction in bytes per second, 0 = unlimited (default 0)
          --seed <n>            seed of the random decisions, for repeatable runs (default 0)
          -h, --help            show this text

        Each client gets its own socket towards the server (the server sees distinct clients), up to 1,024
        clients; a client silent for 60 s is forgotten. Counters are printed every second; Ctrl+C stops.
        """;

    private static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);

    /// <summary>Where clients send.</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>The server the datagrams go to.</summary>
    public required IPEndPoint Target { get; init; }

    /// <summary>The network simulated in each direction, for each client.</summary>
    public NetworkConditions Conditions { get; init; } = new();

    /// <summary>The most clients relayed at once; datagrams from more are dropped and counted.</summary>
    public int MaxClients { get; init; } = 1024;

    /// <summary>How long a client may stay silent (both ways) before its socket is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Parses the command line.</summary>
    /// <returns>The options, or null when <c>--help</c> was asked for.</returns>
    /// <exception cref="FormatException">An argument is missing, unknown or bad; the message says which and why.</exception>
    public static RelayOptions? Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help" or "-?")
            {
                return null;
            }

            if (!Known(name))
            {
                throw new FormatException($"Unknown option '{name}'.");
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new FormatException($"{name} needs a value.");
            }

            if (!values.TryAdd(name, args[++i]))
            {
                throw new FormatException($"{name} is given twice.");
            }
        }

        var conditions = new NetworkConditions
        {
            Latency = Duration(values, "--latency"),
            Jitter = Duration(values, "--jitter"),
            Loss = Probability(values, "--loss"),
            Duplicate = Probability(values, "--duplicate"),
            Reorder = Probability(values, "--reorder"),
            Corrupt = Probability(values, "--corrupt"),
            BandwidthBytesPerSecond = Bandwidth(values, "--bandwidth"),
            Seed = Seed(values, "--seed"),
        };

        return new RelayOptions
        {
            Listen = ListenEndPoint(Required(values, "--listen")),
            Target = TargetEndPoint(Required(values, "--target")),
            Conditions = conditions,
        };
    }

    /// <summary>Parses a duration with a unit: <c>50ms</c>, <c>1s</c>, <c>0.5s</c>, or <c>0</c>.</summary>
    /// <exception cref="FormatException">Not a duration, or negative, or longer than a minute.</exception>
    internal static TimeSpan ParseDuration(string option, string text)
    {
        string trimmed = text.Trim();
        (string number, double unitMilliseconds) = trimmed.EndsWith("ms", StringComparison.OrdinalIgnoreCase)
            ? (trimmed[..^2], 1.0)
            : trimmed.EndsWith('s') || trimmed.EndsWith('S') ? (trimmed[..^1], 1000.0) : (trimmed, trimmed == "0" ? 0.0 : double.NaN);

        if (double.IsNaN(unitMilliseconds)
            || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
        {
            throw new FormatException($"{option}: '{text}' is not a duration; write it with a unit, e.g. 50ms or 1s.");
        }

        TimeSpan duration = TimeSpan.FromMilliseconds(value * unitMilliseconds);
        if (duration > MaxDelay)
        {
            throw new FormatException($"{option}: '{text}' is longer than the most the simulator accepts (60s).");
        }

        return duration;
    }

    /// <summary>Parses a probability: <c>0.1</c> or <c>10%</c>.</summary>
    /// <exception cref="FormatException">Not a number between 0 and 1 (0% and 100%).</exception>
    internal static double ParseProbability(string option, string text)
    {
        string trimmed = text.Trim();
        bool percent = trimmed.EndsWith('%');
        if (!double.TryParse(percent ? trimmed[..^1] : trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
        {
            throw new FormatException($"{option}: '{text}' is not a probability; write 0.1 or 10%.");
        }

        value = percent ? value / 100 : value;
        if (value > 1)
        {
            throw new FormatException($"{option}: '{text}' is more than 1 (100%).");
        }

        return value;
    }

    private static bool Known(string name) => name is "--listen" or "--target" or "--latency" or "--jitter" or "--loss" or "--duplicate"
        or "--reorder" or "--corrupt" or "--bandwidth" or "--seed";

    private static string Required(Dictionary<string, string> values, string option) =>
        values.TryGetValue(option, out string? value) ? value : throw new FormatException($"{option} is required.");

    private static TimeSpan Duration(Dictionary<string, string> values, string option) =>
        values.TryGetValue(option, out string? text) ? ParseDuration(option, text) : TimeSpan.Zero;

    private static double Probability(Dictionary<string, string> values, string option) =>
        values.TryGetValue(option, out string? text) ? ParseProbability(option, text) : 0;

    private static long Bandwidth(Dictionary<string, string> values, string option)
    {
        if (!values.TryGetValue(option, out string? text))
        {
            return 0;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new FormatException($"{option}: '{text}' is not a whole number of bytes per second (0 = unlimited).");
    }

    private static int Seed(Dictionary<string, string> values, string option)
    {
        if (!values.TryGetValue(option, out string? text))
        {
            return 0;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new FormatException($"{option}: '{text}' is not a 32-bit integer.");
    }

    private static IPEndPoint ListenEndPoint(string text)
    {
        // A bare port listens everywhere: dual-mode IPv6 where the OS has it, so IPv4 clients are served too.
        if (ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ushort port))
        {
            return new IPEndPoint(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, port);
        }

        return EndPoint("--listen", text, allowPortZero: true);
    }

    private static IPEndPoint TargetEndPoint(string text) => EndPoint("--target", text, allowPortZero: false);

    private static IPEndPoint EndPoint(string option, string text, bool allowPortZero)
    {
        string example = option == "--listen" ? "9000 or 127.0.0.1:9000" : "127.0.0.1:7777";

        // "localhost" is the one name accepted: the relay does not depend on DNS.
        string literal = text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + text["localhost".Length..] : text;
        // IPv6 addresses need brackets, or their last group would be read as the port.
        int colon = literal.LastIndexOf(':');
        bool hasPort = literal.StartsWith('[') ? colon > 0 && literal[colon - 1] == ']' : colon > 0 && literal.IndexOf(':') == colon;
        if (!hasPort || !IPEndPoint.TryParse(literal, out IPEndPoint? endPoint))
        {
            throw new FormatException($"{option}: '{text}' is not an address and port; write e.g. {example} (IPv6 in brackets: [::1]:7777).");
        }

        if (endPoint.Port == 0 && !allowPortZero)
        {
            throw new FormatException($"{option}: '{text}' has port 0; the server's port is needed.");
        }

        return endPoint;
    }
}
