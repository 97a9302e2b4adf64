using System;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Travelers.Rpc;

/// <summary>
/// A request waiting for its answer, on the client. Completed once: by the answer, a timeout, a cancellation or the
/// connection closing — whichever removes it from the table of pending calls, under its lock.
/// </summary>
/// <remarks>
/// The caller's <c>ValueTask</c> is backed by this object itself, not by a task, and the object goes back to a few
/// spares of its kind once the caller has read the result: a request then allocates nothing (beyond a cancellation
/// registration when its token can be cancelled). The rules are those of every pooled <c>ValueTask</c>: await it once;
/// <c>AsTask()</c> to keep it.
/// </remarks>
internal abstract class PendingCall
{
    /// <summary>The RPC.</summary>
    public RpcInfo Info { get; protected set; } = null!;

    public uint Id { get; set; }

    /// <summary>How long it waits for its answer: <see cref="NetClientOptions.RpcTimeout"/> when it was made.</summary>
    public TimeSpan Timeout { get; set; }

    /// <summary>The table it waits in, for its cancellation callback.</summary>
    public RpcRuntime? Runtime { get; set; }

    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>The answer arrived: reads its value from <paramref name="body"/> (after the header).</summary>
    /// <returns>False when the value could not be read (the call then failed).</returns>
    public abstract bool Succeed(ReadOnlySpan<byte> body, NetLimits limits);

    /// <summary>The call failed (an error answer, a timeout, the connection closed).</summary>
    public abstract void Fail(Exception exception);

    /// <summary>The caller's token was cancelled, in its callback.</summary>
    public abstract void Cancel(CancellationToken cancellationToken);

    /// <summary>
    /// Ends the cancellation registration before the call completes, waiting for its callback when it is running on
    /// another thread: completed, this object may serve another call, which a late callback must not cancel.
    /// </summary>
    protected void EndRegistration()
    {
        Registration.Dispose();
        Registration = default;
    }

    /// <summary>Lets go of the last call's runtime and registration (a cancelled call's is still set) before it goes back among the spares.</summary>
    protected void Clear()
    {
        Runtime = null;
        Registration = default;
    }

    /// <summary>Fails a read of a result that is not there yet, before anything is reset.</summary>
    protected InvalidOperationException NotCompleted() => new(
        $"The call of {Info.Name} has not been answered yet: await it (its answer arrives in Poll()) rather than reading its result.");

    /// <summary>A <c>ValueTask</c> call.</summary>
    public sealed class Plain : PendingCall, IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core;

        private Plain()
        {
        }

        /// <summary>A spare one, or a new one, for a call of <paramref name="info"/>.</summary>
        public static Plain Rent(RpcInfo info)
        {
            Plain call = Spares<Plain>.Take() ?? new Plain();
            call.Info = info;
            return call;
        }

        public ValueTask Task => new(this, _core.Version);

        public override bool Succeed(ReadOnlySpan<byte> body, NetLimits limits)
        {
            EndRegistration();
            if (!body.IsEmpty)
            {
                // As a value's answer with bytes left over: the peer does not speak this protocol.
                _core.SetException(new RpcException($"The answer to {Info.Name} could not be read: {body.Length} bytes follow an answer that carries no value."));
                return false;
            }

            _core.SetResult(true);
            return true;
        }

        public override void Fail(Exception exception)
        {
            EndRegistration();
            _core.SetException(exception);
        }

        public override void Cancel(CancellationToken cancellationToken) => _core.SetException(new TaskCanceledException(null, null, cancellationToken));

        /// <summary>Back among the spares, never used (the call was not made).</summary>
        public void Unused() => Recycle();

        ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

        void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        void IValueTaskSource.GetResult(short token)
        {
            if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
            {
                throw NotCompleted();
            }

            try
            {
                _core.GetResult(token);
            }
            finally
            {
                Recycle();
            }
        }

        private void Recycle()
        {
            _core.Reset();
            Info = null!;
            Clear();
            Spares<Plain>.Give(this);
        }
    }

    /// <summary>A <c>ValueTask&lt;TResult&gt;</c> call.</summary>
    public sealed class Valued<TCall, TResult> : PendingCall, IValueTaskSource<TResult>
        where TCall : struct, IRpcRequest<TCall, TResult>
    {
        private ManualResetValueTaskSourceCore<TResult> _core;

        private Valued() => Info = TCall.Info;

        /// <summary>A spare one, or a new one.</summary>
        public static Valued<TCall, TResult> Rent() => Spares<Valued<TCall, TResult>>.Take() ?? new Valued<TCall, TResult>();

        public ValueTask<TResult> Task => new(this, _core.Version);

        public override bool Succeed(ReadOnlySpan<byte> body, NetLimits limits)
        {
            EndRegistration();
            TResult value;
            try
            {
                value = NetSerializer.Deserialize<RpcResult<TCall, TResult>>(body, limits).Value;
            }
            catch (NetSerializationException e)
            {
                _core.SetException(new RpcException($"The answer to {Info.Name} could not be read: {e.Message}", e));
                return false;
            }

            _core.SetResult(value);
            return true;
        }

        public override void Fail(Exception exception)
        {
            EndRegistration();
            _core.SetException(exception);
        }

        public override void Cancel(CancellationToken cancellationToken) => _core.SetException(new TaskCanceledException(null, null, cancellationToken));

        /// <summary>Back among the spares, never used (the call was not made).</summary>
        public void Unused() => Recycle();

        ValueTaskSourceStatus IValueTaskSource<TResult>.GetStatus(short token) => _core.GetStatus(token);

        void IValueTaskSource<TResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);

        TResult IValueTaskSource<TResult>.GetResult(short token)
        {
            if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
            {
                throw NotCompleted();
            }

            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                Recycle();
            }
        }

        private void Recycle()
        {
            _core.Reset(); // also lets go of the result
            Clear();
            Spares<Valued<TCall, TResult>>.Give(this);
        }
    }
}
