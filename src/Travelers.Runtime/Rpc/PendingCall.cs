using System;
using System.Threading;
using System.Threading.Tasks;

namespace Travelers.Rpc;

/// <summary>A request waiting for its answer, on the client. Completed once: by the answer, a timeout, a cancellation or the connection closing.</summary>
internal abstract class PendingCall
{
    protected PendingCall(RpcInfo info) => Info = info;

    public RpcInfo Info { get; }

    public uint Id { get; set; }

    /// <summary>The table it waits in, for its cancellation callback.</summary>
    public RpcRuntime? Runtime { get; set; }

    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>The answer arrived: reads its value from <paramref name="body"/> (after the header).</summary>
    /// <returns>False when the value could not be read (the call then failed).</returns>
    public abstract bool Succeed(ReadOnlySpan<byte> body, NetLimits limits);

    public abstract void Fail(Exception exception);

    public abstract void Cancel(CancellationToken cancellationToken);

    /// <summary>A <c>ValueTask</c> call.</summary>
    public sealed class Plain(RpcInfo info) : PendingCall(info)
    {
        private readonly TaskCompletionSource _completion = new();

        public ValueTask Task => new(_completion.Task);

        public override bool Succeed(ReadOnlySpan<byte> body, NetLimits limits)
        {
            Registration.Unregister();
            _completion.TrySetResult();
            return true;
        }

        public override void Fail(Exception exception)
        {
            Registration.Unregister();
            _completion.TrySetException(exception);
        }

        public override void Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
    }

    /// <summary>A <c>ValueTask&lt;TResult&gt;</c> call.</summary>
    public sealed class Valued<TCall, TResult>(RpcInfo info) : PendingCall(info)
        where TCall : struct, IRpcRequest<TCall, TResult>
    {
        private readonly TaskCompletionSource<TResult> _completion = new();

        public ValueTask<TResult> Task => new(_completion.Task);

        public override bool Succeed(ReadOnlySpan<byte> body, NetLimits limits)
        {
            Registration.Unregister();
            TResult value;
            try
            {
                value = NetSerializer.Deserialize<RpcResult<TCall, TResult>>(body, limits).Value;
            }
            catch (NetSerializationException e)
            {
                _completion.TrySetException(new RpcException($"The answer to {Info.Name} could not be read: {e.Message}", e));
                return false;
            }

            _completion.TrySetResult(value);
            return true;
        }

        public override void Fail(Exception exception)
        {
            Registration.Unregister();
            _completion.TrySetException(exception);
        }

        public override void Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);
    }
}
