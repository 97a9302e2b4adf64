using System.Buffers;
using System.Net;
using BenchmarkDotNet.Attributes;
using Travelers;

namespace Travelers.Transport.Benchmarks;

/// <summary>
/// 32-byte messages over TCP on loopback, Travelers against the raw Pipelines loop, in one run. One way:
/// 100,000 messages flushed every 64 (as PEERS.md's raw figure), the operation ending when the receiver has
/// them all. Ping-pong: one message there and back. The Travelers server polls on its own thread (see the
/// setups); the sending side is the benchmark thread, spinning (with SpinWait's yields) while it waits, as
/// the raw loop's does.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 10)]
public class TcpBenchmarks
{
    /// <summary>Messages per one-way operation.</summary>
    public const int Messages = 100_000;
    private const int Batch = 64;
    private static readonly byte[] s_body = new byte[32];

    private NetServer _server = null!;
    private NetClient _client = null!;
    private RawPipeLoop _rawClient = null!;
    private RawPipeLoop _rawServer = null!;
    private long _received;
    private long _rawReceived;
    private long _pongs;
    private long _rawPongs;
    private Thread? _serverThread;
    private volatile bool _stop;

    /// <summary>
    /// One way: the server polls on a thread of its own at 1 kHz (<c>Thread.Sleep(1)</c> between polls), as a
    /// game server ticks, leaving the CPU to the socket threads in between.
    /// </summary>
    [GlobalSetup(Target = nameof(Travelers_OneWay))]
    public void SetupTicking() => StartServerThread(spin: false);

    /// <summary>
    /// Ping-pong: the server polls on a thread of its own as fast as it can, yielding between polls so that on
    /// this 2-core machine the socket threads are not starved: the latency a server polling flat out gives.
    /// </summary>
    [GlobalSetup(Target = nameof(Travelers_PingPong))]
    public void SetupWithServerThread() => StartServerThread(spin: true);

    private void StartServerThread(bool spin)
    {
        Setup();
        _serverThread = new Thread(() =>
        {
            while (!_stop)
            {
                _server.Poll();
                if (spin)
                {
                    Thread.Yield();
                }
                else
                {
                    Thread.Sleep(1);
                }
            }
        }) { IsBackground = true, Name = "server poll" };
        _serverThread.Start();
    }

    [GlobalSetup(Targets = [nameof(Raw_OneWay), nameof(Raw_PingPong)])]
    public void Setup()
    {
        _server = new NetServer(new NetServerOptions { Address = IPAddress.Loopback, Port = 0 });
        _server.On((NetConnection from, in Small m) =>
        {
            if (m.A < 0)
            {
                from.Send(in m); // a ping: answer it
            }
            else
            {
                Volatile.Write(ref _received, _received + 1); // read by the benchmark thread
            }
        });
        _server.StartAsync().GetAwaiter().GetResult();
        _client = new NetClient();
        _client.On((NetConnection _, in Small m) => _pongs++);
        Task connect = _client.ConnectAsync(_server.LocalEndPoint);
        while (!connect.IsCompleted)
        {
            _server.Poll();
        }

        connect.GetAwaiter().GetResult();

        (_rawClient, _rawServer) = RawPipeLoop.PairAsync(
            (_, _) => Interlocked.Increment(ref _rawPongs),
            (end, frame) =>
            {
                if (frame.FirstSpan[0] == 0xFF)
                {
                    Span<byte> echo = stackalloc byte[32];
                    frame.CopyTo(echo);
                    end.Write(echo);
                    end.Flush();
                }
                else
                {
                    Interlocked.Increment(ref _rawReceived);
                }
            }).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _serverThread?.Join();
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _rawClient.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _rawServer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    [BenchmarkCategory("one way")]
    public void Raw_OneWay()
    {
        long target = Interlocked.Read(ref _rawReceived) + Messages;
        for (int i = 0; i < Messages; i++)
        {
            _rawClient.Write(s_body);
            if (i % Batch == Batch - 1)
            {
                _rawClient.Flush();
            }
        }

        _rawClient.Flush();
        var spin = default(SpinWait);
        while (Interlocked.Read(ref _rawReceived) < target)
        {
            spin.SpinOnce(-1);
        }
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    [BenchmarkCategory("one way")]
    public void Travelers_OneWay()
    {
        long target = Volatile.Read(ref _received) + Messages;
        var message = new Small { A = 1 };
        for (int i = 0; i < Messages; i++)
        {
            _client.Send(in message);
            if (i % Batch == Batch - 1)
            {
                _client.Flush();
            }
        }

        _client.Flush();
        var spin = default(SpinWait);
        while (Volatile.Read(ref _received) < target)
        {
            spin.SpinOnce(-1);
        }
    }

    [Benchmark]
    [BenchmarkCategory("ping-pong")]
    public void Raw_PingPong()
    {
        long target = Interlocked.Read(ref _rawPongs) + 1;
        Span<byte> ping = stackalloc byte[32];
        ping[0] = 0xFF;
        _rawClient.Write(ping);
        _rawClient.Flush();
        var spin = default(SpinWait);
        while (Interlocked.Read(ref _rawPongs) < target)
        {
            spin.SpinOnce(-1);
        }
    }

    [Benchmark]
    [BenchmarkCategory("ping-pong")]
    public void Travelers_PingPong()
    {
        long target = _pongs + 1;
        var ping = new Small { A = -1 };
        _client.Send(in ping);
        _client.Flush();
        var spin = default(SpinWait);
        while (_pongs < target)
        {
            _client.Poll();
            spin.SpinOnce(-1);
        }
    }
}
