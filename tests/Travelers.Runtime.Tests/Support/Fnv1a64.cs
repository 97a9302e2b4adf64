namespace Travelers.Runtime.Tests;

/// <summary>An independent FNV-1a 64 (offset basis 0xCBF29CE484222325, prime 0x100000001B3), to check the registry's ids against.</summary>
internal static class Fnv1a64
{
    public static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 0xCBF29CE484222325;
        foreach (byte b in bytes)
        {
            hash = unchecked((hash ^ b) * 0x100000001B3);
        }

        return hash;
    }
}
