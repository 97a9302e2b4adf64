using System.Diagnostics;

namespace Travelers.Transport.Benchmarks;

/// <summary>
/// The UDP modes of Program.cs outside BenchmarkDotNet: <c>--udp-smoke</c> runs each benchmark of
/// <see cref="UdpBenchmarks"/> (once by default) with its own setup and cleanup; <c>--udp-rtt</c> times single
/// round trips with a Stopwatch (BenchmarkDotNet's statistics are over iterations, not round trips) and prints
/// p50/p99 for every ping-pong configuration, in one process.
/// </summary>
internal static class UdpHarness
{
    private static readonly (string Name, Action<UdpBenchmarks> Setup, Action<UdpBenchmarks> Run)[] s_oneWay =
    [
        (nameof(UdpBenchmarks.Raw_OneWay), b => b.SetupRawCount(), b => b.Raw_OneWay()),
        (nameof(UdpBenchmarks.Raw_OneWay_Segmented), b => b.SetupRawCountSegmented(), b => b.Raw_OneWay_Segmented()),
        (nameof(UdpBenchmarks.Travelers_OneWay_Unreliable), b => b.SetupTravelersTicking(), b => b.Travelers_OneWay_Unreliable()),
        (nameof(UdpBenchmarks.Travelers_OneWay_Unreliable_FlushEachDatagram), b => b.SetupTravelersTicking(), b => b.Travelers_OneWay_Unreliable_FlushEachDatagram()),
        (nameof(UdpBenchmarks.Travelers_OneWay_ReliableOrdered), b => b.SetupTravelersTicking(), b => b.Travelers_OneWay_ReliableOrdered()),
        (nameof(UdpBenchmarks.LiteNetLib_OneWay_Unreliable), b => b.SetupLiteNetLibDefault(), b => b.LiteNetLib_OneWay_Unreliable()),
        (nameof(UdpBenchmarks.LiteNetLib_OneWay_ReliableOrdered), b => b.SetupLiteNetLibDefault(), b => b.LiteNetLib_OneWay_ReliableOrdered()),
    ];

    private static readonly (string Name, Action<UdpBenchmarks> Setup, Action<UdpBenchmarks> Run)[] s_pingPong =
    [
        (nameof(UdpBenchmarks.Raw_PingPong_Blocking), b => b.SetupRawEchoBlocking(), b => b.Raw_PingPong_Blocking()),
        (nameof(UdpBenchmarks.Raw_PingPong_BusyPoll), b => b.SetupRawEchoBusy(), b => b.Raw_PingPong_BusyPoll()),
        (nameof(UdpBenchmarks.Travelers_PingPong_ReliableOrdered), b => b.SetupTravelersSpinning(), b => b.Travelers_PingPong_ReliableOrdered()),
        (nameof(UdpBenchmarks.Travelers_PingPong_Unreliable), b => b.SetupTravelersSpinning(), b => b.Travelers_PingPong_Unreliable()),
        (nameof(UdpBenchmarks.LiteNetLib_PingPong_Default), b => b.SetupLiteNetLibDefault(), b => b.LiteNetLib_PingPong_Default()),
        (nameof(UdpBenchmarks.LiteNetLib_PingPong_Manual), b => b.SetupLiteNetLibManual(), b => b.LiteNetLib_PingPong_Manual()),
    ];

    /// <summary>Each benchmark <paramref name="times"/> times; prints the time of each one-way operation in messages per second.</summary>
    public static int Smoke(int times)
    {
        foreach ((string name, Action<UdpBenchmarks> setup, Action<UdpBenchmarks> run) in s_oneWay)
        {
            int messages = UdpBenchmarks.OneWayMessages;
            var b = new UdpBenchmarks();
            setup(b);
            var rates = new List<string>();
            long allocated = 0;
            for (int i = 0; i < times; i++)
            {
                long before = GC.GetTotalAllocatedBytes(true);
                long started = Stopwatch.GetTimestamp();
                run(b);
                TimeSpan took = Stopwatch.GetElapsedTime(started);
                allocated = GC.GetTotalAllocatedBytes(true) - before;
                double sending = Stopwatch.GetElapsedTime(started, b.LastSendTicks).TotalMilliseconds;
                rates.Add($"{took.TotalMilliseconds:N1} ms (sending {sending:N1}) = {messages / took.TotalSeconds / 1e6:N2} M/s");
            }

            Console.WriteLine($"{name}: {string.Join(", ", rates)}; last run allocated {allocated / (double)messages:N2} B/message (all threads)");
            b.Cleanup();
        }

        foreach ((string name, Action<UdpBenchmarks> setup, Action<UdpBenchmarks> run) in s_pingPong)
        {
            var b = new UdpBenchmarks();
            setup(b);
            long started = Stopwatch.GetTimestamp();
            for (int i = 0; i < times; i++)
            {
                run(b);
            }

            Console.WriteLine($"{name}: {times} round trip(s), {Stopwatch.GetElapsedTime(started).TotalMicroseconds / times:N1} us each (first ones include JIT)");
            b.Cleanup();
        }

        Console.WriteLine("udp smoke: every UDP benchmark ran");
        return 0;
    }

    /// <summary>p50/p99 of single round trips: <paramref name="warmup"/> untimed, then <paramref name="count"/> timed, per configuration.</summary>
    public static int Rtt(int count, int warmup)
    {
        Console.WriteLine($"Round trips of one 32-byte message on loopback, {count:N0} timed after {warmup:N0} untimed, per configuration (Stopwatch, one process).");
        Console.WriteLine($"{"configuration",-36} {"p50 us",8} {"p90 us",8} {"p99 us",8} {"p99.9 us",9} {"mean us",8} {"max us",9} {"B/rt",7}");
        var ticks = new long[count];
        foreach ((string name, Action<UdpBenchmarks> setup, Action<UdpBenchmarks> run) in s_pingPong)
        {
            var b = new UdpBenchmarks();
            setup(b);
            for (int i = 0; i < warmup; i++)
            {
                run(b);
            }

            long before = GC.GetTotalAllocatedBytes(true);
            for (int i = 0; i < count; i++)
            {
                long started = Stopwatch.GetTimestamp();
                run(b);
                ticks[i] = Stopwatch.GetTimestamp() - started;
            }

            long allocated = GC.GetTotalAllocatedBytes(true) - before;
            Array.Sort(ticks);
            double Us(long t) => t * 1e6 / Stopwatch.Frequency;
            double At(double p) => Us(ticks[Math.Min(count - 1, (int)Math.Ceiling(p * count) - 1)]);
            Console.WriteLine($"{name,-36} {At(0.50),8:N1} {At(0.90),8:N1} {At(0.99),8:N1} {At(0.999),9:N1} {Us(ticks.Sum()) / count,8:N1} {Us(ticks[^1]),9:N1} {allocated / (double)count,7:N1}");
            b.Cleanup();
        }

        return 0;
    }

    /// <summary>
    /// Where a Travelers UDP sender's time goes (a rough guide): <paramref name="count"/> unreliable Sends with no
    /// Flush, then one Flush that sends them all, against the same datagrams through a raw socket.
    /// </summary>
    public static int SendCost(int count)
    {
        var b = new UdpBenchmarks();
        b.SetupTravelersTicking();
        for (int round = 0; round < 4; round++)
        {
            (double sendUs, double flushUs, long datagrams) = b.MeasureTravelersSendThenFlush(count);
            Console.WriteLine($"travelers unreliable: {count:N0} Send() {sendUs / count * 1000:N0} ns each; one Flush() {flushUs / 1000:N1} ms for {datagrams:N0} datagrams = {flushUs / datagrams:N2} us per datagram");
            Thread.Sleep(200);
        }

        foreach (Travelers.Delivery delivery in new[] { Travelers.Delivery.Unreliable, Travelers.Delivery.ReliableOrdered })
        {
            for (int round = 0; round < 4; round++)
            {
                (double sendNs, double flushNs) = b.MeasureTravelersSendAndFlush(count / 31, delivery);
                Console.WriteLine($"travelers {delivery}, steady: Send() {sendNs:N1} ns each; Flush() {flushNs / 1000:N2} us per datagram's worth");
            }
        }

        b.Cleanup();
        var raw = new RawUdpLoop(RawUdpLoop.Mode.Count);
        for (int round = 0; round < 4; round++)
        {
            raw.BeginOperation();
            long started = Stopwatch.GetTimestamp();
            raw.SendBatched(count);
            double us = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            int datagrams = (count + RawUdpLoop.PerDatagram - 1) / RawUdpLoop.PerDatagram;
            Console.WriteLine($"raw: {count:N0} messages in {datagrams:N0} datagrams, {us / 1000:N1} ms = {us / datagrams:N2} us per datagram");
            Thread.Sleep(200);
        }

        raw.Dispose();
        return 0;
    }
}
