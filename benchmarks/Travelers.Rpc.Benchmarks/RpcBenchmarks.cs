using System.Net;
using System.Numerics;
using BenchmarkDotNet.Attributes;
using Travelers;

namespace Travelers.Rpc.Benchmarks;

/// <summary>
/// A void RPC with two unmanaged arguments against sending the equivalent [NetMessage] (the arguments and the entity's
/// id; and, for reference, the arguments alone), and a ValueTask&lt;int&gt;
/// round trip against a message ping-pong, over one transport per run. The shapes are TcpBenchmarks': one way,
/// 100,000 calls a operation flushed every 64, the server polling on its own thread at 1 kHz, the operation ending
/// when the server has run them all; stream, the same over a million calls with the caller kept within 50,000 of the
/// server; round trip, the server polling flat out (yielding between polls), the client polling on the benchmark
/// thread until the answer is in.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 10)]
public class RpcBenchmarks
{
    private const int Calls = 100_000;
    private const int Batch = 64;

    /// <summary>Calls a stream operation makes: a second of them or so, so that the last tick's drain is a sliver of it.</summary>
    private const int StreamCalls = 1_000_000;

    /// <summary>How far a stream's caller may run ahead of the server: well inside the 4 MB cap on unsent bytes.</summary>
    private const int StreamWindow = 50_000;

    private NetServer _server = null!;
    private NetClient _client = null!;
    private Turret _serverTurret = null!;
    private Turret _turret = null!;
    private long _messages;
    private int _pong;
    private Poller? _poller;

    /// <summary>The transport.</summary>
    [Params(NetTransport.Tcp, NetTransport.Udp)]
    public NetTransport Transport { get; set; }

    [GlobalSetup(Targets = [nameof(Message_OneWay), nameof(Rpc_OneWay), nameof(ArgumentsOnly_OneWay), nameof(CheckedMessage_OneWay), nameof(Message_Stream), nameof(CheckedMessage_Stream), nameof(Rpc_Stream)])]
    public void SetupTicking() => Start(spin: false);

    [GlobalSetup(Targets = [nameof(Message_PingPong), nameof(Rpc_RoundTrip)])]
    public void SetupSpinning() => Start(spin: true);

    private void Start(bool spin)
    {
        // Over UDP the server admits 4,000 datagrams a second per connection by default: the one-way runs measured
        // that limiter (and the resends of what it dropped), not the calls. Raised on both ends, as UdpBenchmarks does.
        var options = new NetServerOptions { Address = IPAddress.Loopback, Port = 0, Transport = Transport, MaxPacketsPerSecond = 10_000_000 };
        _server = new NetServer(options);
        _server.On((NetConnection _, in FireMessage m) => Volatile.Write(ref _messages, _messages + 1));
        _server.On((NetConnection _, in FireArguments m) => Volatile.Write(ref _messages, _messages + 1));
        _server.On((NetConnection from, in CheckedFireMessage m) =>
        {
            if (_server.World.Find(new NetId(m.Turret)) is Turret turret && turret.OwnerConnection == from && from.Sees(turret))
            {
                turret.Shoot(m.Aim, m.Power);
            }
        });
        _server.On((NetConnection from, in Ping p) => from.Send(in p));
        _server.StartAsync().GetAwaiter().GetResult();
        _client = new NetClient(new NetClientOptions { Transport = Transport, MaxPacketsPerSecond = 10_000_000 });
        _client.On((NetConnection _, in Ping p) => _pong = p.Value);
        Task connect = _client.ConnectAsync(_server.LocalEndPoint);
        while (!connect.IsCompleted)
        {
            _server.Poll();
        }

        connect.GetAwaiter().GetResult();
        NetConnection connection = _server.Connections.Single();
        _serverTurret = _server.World.Spawn(new Turret(), owner: connection);
        while (_client.World.Entities.Count == 0)
        {
            _server.World.Publish();
            _server.Poll();
            _client.Poll();
            Thread.Sleep(1);
        }

        _turret = (Turret)_client.World.Entities.Single();
        _poller = new Poller(_server, spin);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _poller?.Dispose();
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    [BenchmarkCategory("one way")]
    public void Message_OneWay()
    {
        long target = Volatile.Read(ref _messages) + Calls;
        for (int i = 0; i < Calls; i++)
        {
            var message = new FireMessage { Turret = _turret.Id.Value, Aim = new Vector2(i, 1), Power = i };
            _client.Send(in message);
            if (i % Batch == Batch - 1)
            {
                _client.Poll();
            }
        }

        WaitFor(ref _messages, target);
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    [BenchmarkCategory("one way")]
    public void ArgumentsOnly_OneWay()
    {
        long target = Volatile.Read(ref _messages) + Calls;
        for (int i = 0; i < Calls; i++)
        {
            var message = new FireArguments { Aim = new Vector2(i, 1), Power = i };
            _client.Send(in message);
            if (i % Batch == Batch - 1)
            {
                _client.Poll();
            }
        }

        WaitFor(ref _messages, target);
    }

    /// <summary>The equivalent message whose handler checks what the RPC's dispatch checks: the turret's owner and sight.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    [BenchmarkCategory("one way")]
    public void CheckedMessage_OneWay()
    {
        long target = Volatile.Read(ref _serverTurret.Fired) + Calls;
        for (int i = 0; i < Calls; i++)
        {
            var message = new CheckedFireMessage { Turret = _turret.Id.Value, Aim = new Vector2(i, 1), Power = i };
            _client.Send(in message);
            if (i % Batch == Batch - 1)
            {
                _client.Poll();
            }
        }

        WaitFor(ref _serverTurret.Fired, target);
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    [BenchmarkCategory("one way")]
    public void Rpc_OneWay()
    {
        long target = Volatile.Read(ref _serverTurret.Fired) + Calls;
        for (int i = 0; i < Calls; i++)
        {
            _turret.Server.Fire(new Vector2(i, 1), i);
            if (i % Batch == Batch - 1)
            {
                _client.Poll();
            }
        }

        WaitFor(ref _serverTurret.Fired, target);
    }

    /// <summary>
    /// The one-way message as a stream: a million calls, the caller never more than <see cref="StreamWindow"/> ahead
    /// of the server. A one-way operation ends when the server has run every call, so its time holds the wait for
    /// the server's next tick and that tick's drain (up to a millisecond of calls, run at the server's cost per
    /// call): a millisecond or more of a 5–7 ms operation here, in which the server's cost per call weighs far more
    /// than its share of the work. Over a million calls that tail is a sliver, and the time per call is the rate the
    /// two sides sustain.
    /// </summary>
    [Benchmark(OperationsPerInvoke = StreamCalls)]
    [BenchmarkCategory("stream")]
    public void Message_Stream()
    {
        long start = Volatile.Read(ref _messages);
        for (int i = 0; i < StreamCalls; i++)
        {
            var message = new FireMessage { Turret = _turret.Id.Value, Aim = new Vector2(i, 1), Power = i };
            _client.Send(in message);
            if (i % Batch == Batch - 1)
            {
                Pace(ref _messages, start + i + 1);
            }
        }

        WaitFor(ref _messages, start + StreamCalls);
    }

    /// <summary>The checked message as a stream (see <see cref="Message_Stream"/>).</summary>
    [Benchmark(OperationsPerInvoke = StreamCalls)]
    [BenchmarkCategory("stream")]
    public void CheckedMessage_Stream()
    {
        long start = Volatile.Read(ref _serverTurret.Fired);
        for (int i = 0; i < StreamCalls; i++)
        {
            var message = new CheckedFireMessage { Turret = _turret.Id.Value, Aim = new Vector2(i, 1), Power = i };
            _client.Send(in message);
            if (i % Batch == Batch - 1)
            {
                Pace(ref _serverTurret.Fired, start + i + 1);
            }
        }

        WaitFor(ref _serverTurret.Fired, start + StreamCalls);
    }

    /// <summary>The fire-and-forget RPC as a stream (see <see cref="Message_Stream"/>).</summary>
    [Benchmark(OperationsPerInvoke = StreamCalls)]
    [BenchmarkCategory("stream")]
    public void Rpc_Stream()
    {
        long start = Volatile.Read(ref _serverTurret.Fired);
        for (int i = 0; i < StreamCalls; i++)
        {
            _turret.Server.Fire(new Vector2(i, 1), i);
            if (i % Batch == Batch - 1)
            {
                Pace(ref _serverTurret.Fired, start + i + 1);
            }
        }

        WaitFor(ref _serverTurret.Fired, start + StreamCalls);
    }

    [Benchmark]
    [BenchmarkCategory("round trip")]
    public int Message_PingPong()
    {
        int value = _pong + 1;
        _client.Send(new Ping { Value = value });
        _client.Flush();
        var spin = default(SpinWait);
        while (_pong != value)
        {
            _client.Poll();
            spin.SpinOnce(-1);
        }

        return value;
    }

    [Benchmark]
    [BenchmarkCategory("round trip")]
    public int Rpc_RoundTrip()
    {
        ValueTask<int> call = _turret.Server.Echo(_pong);
        _client.Flush();
        var spin = default(SpinWait);
        while (!call.IsCompleted)
        {
            _client.Poll();
            spin.SpinOnce(-1);
        }

        return call.Result;
    }

    /// <summary>
    /// Flushes and polls the client, and while the server is more than <see cref="StreamWindow"/> calls behind
    /// <paramref name="sent"/> waits for it: without it a caller outrunning a server that ticks late would pass the
    /// cap on unsent bytes, and the connection would close.
    /// </summary>
    private void Pace(ref long counter, long sent)
    {
        _client.Poll();
        var spin = default(SpinWait);
        while (sent - Volatile.Read(ref counter) > StreamWindow)
        {
            _client.Poll();
            spin.SpinOnce(-1);
        }
    }

    /// <summary>Flushes and polls the client until the server has run <paramref name="target"/> calls.</summary>
    private void WaitFor(ref long counter, long target)
    {
        _client.Poll();
        var spin = default(SpinWait);
        while (Volatile.Read(ref counter) < target)
        {
            _client.Poll();
            spin.SpinOnce(-1);
        }
    }
}
