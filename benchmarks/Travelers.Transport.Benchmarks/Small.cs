using Travelers;

namespace Travelers.Transport.Benchmarks;

/// <summary>A 32-byte message, the size PEERS.md measures.</summary>
[NetMessage]
public partial struct Small
{
    public long A;
    public long B;
    public long C;
    public long D;
}
