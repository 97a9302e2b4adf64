using System.Threading;

namespace Travelers.Rpc;

/// <summary>
/// A few spare objects of one type, taken and given back from any thread without a lock. When all are taken, a
/// caller makes a new one; when all slots are full, a given one is left to the collector. Sized for the requests a
/// game keeps in flight at once, not for bursts.
/// </summary>
/// <typeparam name="T">The type.</typeparam>
internal static class Spares<T>
    where T : class
{
    private static readonly T?[] Slots = new T?[32];

    /// <summary>A spare, or null when there is none.</summary>
    public static T? Take()
    {
        T?[] slots = Slots;
        for (int i = 0; i < slots.Length; i++)
        {
            T? item = Volatile.Read(ref slots[i]);
            if (item is not null && Interlocked.CompareExchange(ref slots[i], null, item) == item)
            {
                return item;
            }
        }

        return null;
    }

    /// <summary>Keeps <paramref name="item"/> as a spare, if a slot is free.</summary>
    public static void Give(T item)
    {
        T?[] slots = Slots;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is null && Interlocked.CompareExchange(ref slots[i], item, null) is null)
            {
                return;
            }
        }
    }

    /// <summary>Spares held now (tests).</summary>
    internal static int Count
    {
        get
        {
            int count = 0;
            foreach (T? item in Slots)
            {
                count += item is null ? 0 : 1;
            }

            return count;
        }
    }
}
