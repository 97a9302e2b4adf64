using Travelers;

namespace Travelers.Runtime.Tests.Connections;

/// <summary>A numbered text, echoed back by the test servers.</summary>
[NetMessage]
public partial struct Echo
{
    public int Client;
    public int Sequence;
    [MaxLength(256)] public string? Text;
}

/// <summary>A fixed-size struct message: the zero-allocation path.</summary>
[NetMessage]
public partial struct Move
{
    public uint Tick;
    public float X;
    public float Y;
}

/// <summary>A large payload.</summary>
[NetMessage]
public partial class Blob
{
    [MaxLength(1024 * 1024)] public byte[] Data { get; set; } = [];
}

/// <summary>A message nobody handles.</summary>
[NetMessage]
public partial struct Unhandled
{
    public int Value;
}
