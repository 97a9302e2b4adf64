// Misused messages, built with `dotnet build` against the Travelers package. Each line that ends with
// `// TRVnnnn` must get that diagnostic on that line, and no line gets one it does not name.
using System.Collections.Generic;
using Travelers;

namespace Misuse;

[NetMessage]
public class NotPartial // TRV1001
{
    public int A;
}

[NetMessage]
public partial class HoldsAnObject
{
    public object? Anything { get; set; } // TRV1002
}

[NetMessage]
public partial class Generic<T> // TRV1003
{
    public int A;
}

[NetMessage]
public abstract partial class Abstract // TRV1004
{
    public int A;
}

public struct Money
{
    public long Cents;
}

public sealed class WrongSerializer
{
}

[NetMessage]
public partial struct Priced
{
    [NetSerializer(typeof(WrongSerializer))]
    public Money Price; // TRV1005
}

[NetMessage(Id = 7)]
public partial struct First // TRV2001
{
    public int A;
}

[NetMessage(Id = 7)]
public partial struct Second // TRV2001
{
    public int A;
}

[NetMessage]
public partial class Limits
{
    [MaxLength(16)] // TRV2002
    public int Level { get; set; }

    public string Name { get; set; } = ""; // TRV2004

    [MaxLength(32)]
    public List<int> Items { get; set; } = new();
}

[NetMessage]
public partial class Lost // TRV2005
{
    public int Sent { get; set; }

    public int NeverSent { get; } = 3; // TRV2003
}

public sealed class PlainClass
{
    public int A { get; set; }
}

public static class Sending
{
    public static byte[] Send(PlainClass value) => NetSerializer.Serialize(value); // TRV5001
}

// An entity with partial properties and an error: the generator still implements the properties, so the build shows
// the error that names the problem rather than the compiler's CS9248 on each property (which stops the analyzers).
public partial class Crate : NetEntity
{
    [Replicated] public partial int Health { get; set; }

    [Replicated] public List<int> Contents = new(); // TRV4003
}
