using System.Buffers;
using System.Threading.Tasks;
using Travelers.Messaging;

namespace Travelers.Transport.Tcp;

/// <summary>What a <see cref="TcpLink"/> reports to the layer above it, on I/O threads.</summary>
internal interface ITcpLinkOwner
{
    /// <summary>A whole frame arrived. Throw <see cref="NetProtocolException"/> to close the link as a violation.</summary>
    void OnFrame(TcpLink link, FrameKind kind, in ReadOnlySequence<byte> body);

    /// <summary>Completes when the link may read more: the layer above bounds what waits for <c>Poll()</c>.</summary>
    ValueTask WaitForReceiveRoomAsync(TcpLink link);

    /// <summary>The link has begun to close (any thread), for <paramref name="info"/>'s reason: release anything its loops may be waiting for.</summary>
    void OnClosing(TcpLink link, DisconnectInfo info);

    /// <summary>The link's loops have all stopped; called once.</summary>
    void OnClosed(TcpLink link, DisconnectInfo info);
}
