using System;
using System.Diagnostics;
using System.Threading;

namespace Travelers;

/// <summary>
/// The clock between polls of every UDP server and client of the process that runs on the system clock: one
/// thread, waking every <see cref="NetEndpoint.UdpServiceInterval"/>, services each endpoint's links in turn
/// (acknowledgements owed, retransmissions due, connect retries, lingering closes).
/// </summary>
/// <remarks>
/// A <see cref="PeriodicTimer"/> per endpoint cost a wake of the runtime's timer thread and then of a pool thread
/// for every endpoint on every tick, and each pool thread spun on <c>sched_yield</c> before it slept again: a
/// server of 100 clients made about 13,000 context switches a second that way, a third of its CPU, and a process
/// of 1,000 bots ran 100,000 timer callbacks a second. One sleeping thread wakes 100 times a second whatever the
/// number of endpoints. It starts with the first endpoint and ends when the last one leaves. Endpoints on another
/// <see cref="TimeProvider"/> (a test's fake clock) keep a timer of that provider's.
/// </remarks>
internal static class UdpServiceThread
{
    private static readonly object s_gate = new();
    private static readonly object s_pass = new(); // held for a pass: Remove waits on it
    private static IServiced[] s_endpoints = [];
    private static Thread? s_thread;
    private static long s_passes;
    private static long s_faults;

    /// <summary>What the thread services: a UDP endpoint (tests add their own).</summary>
    public interface IServiced
    {
        /// <summary>One tick, on the service thread; it should not throw (a throw is counted in <see cref="Faults"/> and the pass goes on).</summary>
        void ServiceTick();
    }

    /// <summary>Ticks that threw (each endpoint catches its own; this is the last resort that keeps the thread alive).</summary>
    public static long Faults => Interlocked.Read(ref s_faults);

    /// <summary>Passes made over the endpoints since the process started (tests read it).</summary>
    public static long Passes => Interlocked.Read(ref s_passes);

    /// <summary>Whether the thread is running (it is while any endpoint is serviced).</summary>
    public static bool IsRunning
    {
        get
        {
            lock (s_gate)
            {
                return s_thread is not null;
            }
        }
    }

    /// <summary>Services <paramref name="endpoint"/> from the next tick on.</summary>
    public static void Add(IServiced endpoint)
    {
        lock (s_gate)
        {
            var grown = new IServiced[s_endpoints.Length + 1];
            s_endpoints.CopyTo(grown, 0);
            grown[^1] = endpoint;
            s_endpoints = grown; // a new array: the thread walks the one it read, without the lock
            if (s_thread is null)
            {
                s_thread = new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = "Travelers UDP service" };
                s_thread.UnsafeStart(); // the thread outlives whoever started it: it must not hold their ExecutionContext
            }
        }
    }

    /// <summary>Stops servicing <paramref name="endpoint"/>: no tick of it runs once this returns (a pass in progress finishes first).</summary>
    public static void Remove(IServiced endpoint)
    {
        lock (s_gate)
        {
            int at = Array.IndexOf(s_endpoints, endpoint);
            if (at >= 0)
            {
                var shrunk = new IServiced[s_endpoints.Length - 1];
                Array.Copy(s_endpoints, shrunk, at);
                Array.Copy(s_endpoints, at + 1, shrunk, at, shrunk.Length - at);
                s_endpoints = shrunk;
            }
        }

        lock (s_pass)
        {
            // A pass that read the array before the removal has ended.
        }
    }

    private static void Run()
    {
        long interval = (long)(NetEndpoint.UdpServiceInterval.TotalSeconds * Stopwatch.Frequency);
        long next = Stopwatch.GetTimestamp() + interval;
        while (true)
        {
            long wait = next - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                Thread.Sleep(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
            }

            lock (s_pass)
            {
                IServiced[] endpoints;
                lock (s_gate)
                {
                    if (s_endpoints.Length == 0)
                    {
                        s_thread = null;
                        return;
                    }

                    endpoints = s_endpoints;
                }

                foreach (IServiced endpoint in endpoints)
                {
                    try
                    {
                        endpoint.ServiceTick();
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref s_faults); // one endpoint's fault must not stop the others' clock
                    }
                }

                Interlocked.Increment(ref s_passes);
            }

            // Fixed rate; after a stall (a paused process, a long pass), from now rather than a burst of catching up.
            next += interval;
            if (Stopwatch.GetTimestamp() - next > interval)
            {
                next = Stopwatch.GetTimestamp() + interval;
            }
        }
    }
}
