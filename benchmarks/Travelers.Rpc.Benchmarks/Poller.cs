using Travelers;

namespace Travelers.Rpc.Benchmarks;

/// <summary>Polls a server on a thread of its own until disposed: at 1 kHz, as a game server ticks, or flat out (yielding between polls).</summary>
internal sealed class Poller : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;

    public Poller(NetServer server, bool spin)
    {
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                server.Poll();
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
        _thread.Start();
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
