using System;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading;

namespace Travelers.Transport.Tcp;

/// <summary>
/// Runs the output pipes' send loops on the thread pool without allocating (Kestrel's IOQueue): continuations go
/// into a queue that one work item drains, so a flush on the game thread costs a queue entry, not a system call.
/// <see cref="PipeScheduler.ThreadPool"/> would allocate a work-item wrapper on every flush.
/// </summary>
internal sealed class IoQueue : PipeScheduler, IThreadPoolWorkItem
{
    // As Kestrel: a queue per core, up to 16, so that many connections' sends are not serialised on one thread.
    private static readonly IoQueue[] s_queues = CreateQueues();
    private static int s_next;

    private readonly ConcurrentQueue<Work> _work = new();
    private int _scheduled;

    /// <summary>The next of the process's queues, round robin: one per connection, for the connection's life.</summary>
    public static IoQueue Next() => s_queues[(int)((uint)Interlocked.Increment(ref s_next) % (uint)s_queues.Length)];

    /// <inheritdoc/>
    public override void Schedule(Action<object?> action, object? state)
    {
        _work.Enqueue(new Work(action, state));
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Drains the queue; stays scheduled while more arrives.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        while (true)
        {
            while (_work.TryDequeue(out Work item))
            {
                item.Action(item.State);
            }

            Volatile.Write(ref _scheduled, 0);
            Interlocked.MemoryBarrier();

            // Something enqueued between the last TryDequeue and the reset saw _scheduled still 1 and did not
            // schedule: take it here, unless a new work item already has.
            if (_work.IsEmpty || Interlocked.Exchange(ref _scheduled, 1) == 1)
            {
                return;
            }
        }
    }

    private static IoQueue[] CreateQueues()
    {
        var queues = new IoQueue[Math.Min(Environment.ProcessorCount, 16)];
        for (int i = 0; i < queues.Length; i++)
        {
            queues[i] = new IoQueue();
        }

        return queues;
    }

    private readonly record struct Work(Action<object?> Action, object? State);
}
