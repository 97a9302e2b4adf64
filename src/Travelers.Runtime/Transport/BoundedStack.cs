namespace Travelers;

/// <summary>
/// A free list with a bounded capacity, for the buffer pools. Its array doubles (from 16 slots) only when it
/// reaches a new high-water mark, and never shrinks, so a steady flow of takes and returns allocates nothing;
/// an endpoint that never needs many slots never pays for them (an idle client holds 16).
/// </summary>
internal sealed class BoundedStack<T>
    where T : class
{
    private readonly object _gate = new();
    private readonly int _capacity;
    private T?[]? _items;
    private int _count;

    public BoundedStack(int capacity) => _capacity = capacity;

    public bool TryPop(out T? item)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                item = null;
                return false;
            }

            item = _items![--_count];
            _items[_count] = null;
            return true;
        }
    }

    /// <returns>False when full: the item is not kept.</returns>
    public bool TryPush(T item)
    {
        lock (_gate)
        {
            _items ??= new T?[System.Math.Min(16, _capacity)];
            if (_count == _items.Length)
            {
                if (_count == _capacity)
                {
                    return false;
                }

                System.Array.Resize(ref _items, System.Math.Min(_capacity, _items.Length * 2));
            }

            _items[_count++] = item;
            return true;
        }
    }
}
