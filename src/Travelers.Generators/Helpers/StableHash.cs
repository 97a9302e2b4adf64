using System.Text;

namespace Travelers.Generators.Helpers;

/// <summary>
/// FNV-1a 64 over UTF-8: the stable message id, identical to the runtime's
/// NetMessageRegistry.ComputeStableId (a test keeps the two in step).
/// </summary>
internal static class StableHash
{
    public static ulong Compute(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        return hash == 0 ? 1 : hash;
    }
}
