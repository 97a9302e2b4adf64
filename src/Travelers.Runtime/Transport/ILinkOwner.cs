using System.Buffers;
using System.Threading.Tasks;
using Travelers.Messaging;

namespace Travelers.Transport;

/// <summary>What a <see cref="Link"/> reports to the layer above it, on I/O threads.</summary>
internal interface ILinkOwner
{
    /// <summary>A whole frame (TCP) or control message (UDP) arrived. Throw <see cref="NetProtocolException"/> to close the link as a violation.</summary>
    void OnFrame(Link link, FrameKind kind, in ReadOnlySequence<byte> body);

    /// <summary>
    /// A batch of message records (type index, length, body) in a buffer rented from the endpoint's
    /// <see cref="FramePool"/>, which the owner now holds.
    /// </summary>
    void OnBatch(Link link, byte[] buffer, int length);

    /// <summary>
    /// While positive, the connection is a stranger's in its handshake: no frame (TCP) or message (UDP) from it may
    /// take more bytes than this, nor may more than this wait for reassembly. 0 once the connection is open (it never
    /// goes back) and on a client; the endpoint's own limits apply then.
    /// </summary>
    int HandshakeLimit { get; }

    /// <summary>Whether the layer above has room for more received bytes now (UDP drops, unacknowledged, what does not fit).</summary>
    bool HasReceiveRoom { get; }

    /// <summary>Completes when the link may read more: the layer above bounds what waits for <c>Poll()</c>.</summary>
    ValueTask WaitForReceiveRoomAsync(Link link);

    /// <summary>
    /// The link has begun to close (any thread), for <paramref name="info"/>'s reason: release anything its loops may
    /// be waiting for. <paramref name="here"/>: this side decided it (see <see cref="Link.Close"/>).
    /// </summary>
    void OnClosing(Link link, DisconnectInfo info, bool here);

    /// <summary>A packet carrying (a piece of) a tracked body was acknowledged or lost (any thread).</summary>
    void OnTracked(Link link, long token, bool acked);

    /// <summary>The link has stopped for good; called once.</summary>
    void OnClosed(Link link, DisconnectInfo info);
}
