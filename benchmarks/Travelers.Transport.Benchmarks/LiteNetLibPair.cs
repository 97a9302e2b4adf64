using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using LiteNetLib;

namespace Travelers.Transport.Benchmarks;

/// <summary>
/// A LiteNetLib 2.1.5 server and a client connected to it on loopback, in one of the two ways PEERS.md measures:
/// <list type="bullet">
/// <item><b>Default</b>: <c>Start()</c>, LiteNetLib's own receive and logic threads, <c>UnsyncedEvents = true</c>
/// (handlers run on its receive thread, no <c>PollEvents</c>), <c>UpdateTime = 1</c> ms, and
/// <c>TriggerUpdate()</c> after each batch of sends so they leave without waiting for the logic thread's tick.</item>
/// <item><b>Manual</b>: <c>StartInManualMode</c>; the server's thread busy-loops <c>PollEvents()</c> +
/// <c>ManualUpdate()</c>, yielding between rounds (as the Travelers server thread of the ping-pong does); the
/// client is pumped by the benchmark thread through <see cref="PumpClient"/>.</item>
/// </list>
/// Messages are 32 bytes: a kind byte (1 data, 0xFF ping), 7 spare, the operation tag (8 bytes), the index (8), 8 spare. A ping
/// is echoed by the server with the delivery method it came with.
/// </summary>
public sealed class LiteNetLibPair : IDisposable
{
    private const string Key = "travelers-bench";
    private readonly NetManager _server;
    private readonly NetManager _client;
    private readonly Thread? _serverThread;
    private readonly long _started = Stopwatch.GetTimestamp();
    private volatile bool _stop;
    private long _clientLastUpdate;
    private long _op;
    private long _received;
    private long _pongs;

    public LiteNetLibPair(bool manual)
    {
        Manual = manual;
        var serverEvents = new EventBasedNetListener();
        serverEvents.ConnectionRequestEvent += request => request.AcceptIfKey(Key);
        serverEvents.NetworkReceiveEvent += OnServerReceive;
        var clientEvents = new EventBasedNetListener();
        clientEvents.NetworkReceiveEvent += (_, _, _, _) => Volatile.Write(ref _pongs, _pongs + 1);
        _server = NewManager(serverEvents, manual);
        _client = NewManager(clientEvents, manual);
        if (manual)
        {
            _server.StartInManualMode(IPAddress.Loopback, IPAddress.IPv6Loopback, 0);
            _client.StartInManualMode(IPAddress.Loopback, IPAddress.IPv6Loopback, 0);
            _clientLastUpdate = Stopwatch.GetTimestamp();
            _serverThread = new Thread(ServerLoop) { IsBackground = true, Name = "litenetlib server (manual)" };
            _serverThread.Start();
        }
        else
        {
            _server.Start(IPAddress.Loopback, IPAddress.IPv6Loopback, 0);
            _client.Start(IPAddress.Loopback, IPAddress.IPv6Loopback, 0);
        }

        Peer = _client.Connect(new IPEndPoint(IPAddress.Loopback, _server.LocalPort), Key);
        var clock = Stopwatch.StartNew();
        while (Peer.ConnectionState != LiteNetLib.ConnectionState.Connected)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException("LiteNetLib did not connect within 10 s.");
            }

            if (manual)
            {
                PumpClient();
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>Started with <c>StartInManualMode</c>.</summary>
    public bool Manual { get; }

    /// <summary>The client's peer (the server, seen from the client).</summary>
    public NetPeer Peer { get; }

    /// <summary>Messages of the current operation the server received (any thread).</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Echoes the client received.</summary>
    public long Pongs => Volatile.Read(ref _pongs);

    /// <summary>Starts an operation: from now on only messages tagged with it count. Returns the count to add N to.</summary>
    public long BeginOperation()
    {
        Volatile.Write(ref _op, _op + 1);
        return Volatile.Read(ref _received);
    }

    /// <summary>Sends <paramref name="count"/> 32-byte messages tagged with the current operation, waking the logic thread (or updating, in manual mode) every <paramref name="batch"/>.</summary>
    public void SendMany(int count, DeliveryMethod method, int batch)
    {
        Span<byte> body = stackalloc byte[32];
        body.Clear();
        body[0] = 1;
        BinaryPrimitives.WriteInt64LittleEndian(body[8..], _op);
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(body[16..], i);
            Peer.Send(body, method);
            if (i % batch == batch - 1)
            {
                Update();
            }
        }

        Update();
    }

    /// <summary>Sends one ping (32 bytes, first byte 0xFF) and hands it to the socket at once.</summary>
    public void SendPing(DeliveryMethod method)
    {
        Span<byte> body = stackalloc byte[32];
        body.Clear();
        body[0] = 0xFF;
        Peer.Send(body, method);
        Update();
    }

    /// <summary>Manual mode: the client's receive, events and sends. Default mode: nothing (LiteNetLib's threads do it).</summary>
    public void PumpClient()
    {
        if (!Manual)
        {
            return;
        }

        _client.PollEvents();
        long now = Stopwatch.GetTimestamp();
        _client.ManualUpdate((float)Stopwatch.GetElapsedTime(_clientLastUpdate, now).TotalMilliseconds);
        _clientLastUpdate = now;
    }

    public void Dispose()
    {
        _stop = true;
        _serverThread?.Join();
        _client.Stop();
        _server.Stop();
    }

    private static NetManager NewManager(EventBasedNetListener events, bool manual) => new(events)
    {
        AutoRecycle = true,
        IPv6Enabled = false,
        UnsyncedEvents = !manual,
        UpdateTime = 1,
        DisconnectTimeout = 30_000,
    };

    private void Update()
    {
        if (Manual)
        {
            long now = Stopwatch.GetTimestamp();
            _client.ManualUpdate((float)Stopwatch.GetElapsedTime(_clientLastUpdate, now).TotalMilliseconds);
            _clientLastUpdate = now;
        }
        else
        {
            _client.TriggerUpdate();
        }
    }

    private void OnServerReceive(NetPeer peer, NetPacketReader reader, byte channel, DeliveryMethod method)
    {
        ReadOnlySpan<byte> body = reader.RawData.AsSpan(reader.Position, reader.AvailableBytes);
        if (body.Length >= 8 && body[0] == 0xFF)
        {
            peer.Send(body, method);
            if (!Manual)
            {
                _server.TriggerUpdate();
            }
        }
        else if (body.Length >= 16 && BinaryPrimitives.ReadInt64LittleEndian(body[8..]) == Volatile.Read(ref _op))
        {
            Volatile.Write(ref _received, _received + 1);
        }
    }

    private void ServerLoop()
    {
        long last = Stopwatch.GetTimestamp();
        while (!_stop)
        {
            _server.PollEvents();
            long now = Stopwatch.GetTimestamp();
            _server.ManualUpdate((float)Stopwatch.GetElapsedTime(last, now).TotalMilliseconds);
            last = now;
            Thread.Yield();
        }
    }
}
