using CsCheck;
using Travelers;
using Travelers.Messaging;
using Travelers.Transport.Udp;

namespace Travelers.Runtime.Tests.Udp;

/// <summary>The reliability layer's promises, on two links joined by a simulated path on a fake clock.</summary>
public sealed class ReliabilityTests
{
    [Fact]
    public void Reliable_ordered_on_four_channels_arrives_exactly_once_and_in_order_under_loss_duplication_and_reordering()
    {
        var pair = new LinkPair(seed: 1) { Loss = 0.2, Duplicate = 0.1, Latency = TimeSpan.FromMilliseconds(50), Jitter = TimeSpan.FromMilliseconds(20) };
        for (byte channel = 0; channel < 4; channel++)
        {
            pair.SendFromA(10_000, Delivery.ReliableOrdered, channel);
        }

        pair.RunUntil(() => pair.OwnerB.Records.Count >= 40_000);
        pair.RunUntil(() => pair.A.Unsent == 0); // everything acknowledged: nothing more will arrive
        for (int i = 0; i < 200; i++)
        {
            pair.Step();
        }

        for (byte channel = 0; channel < 4; channel++)
        {
            Assert.Equal(Enumerable.Range(0, 10_000), pair.OwnerB.Numbers.Where(n => n.Channel == channel).Select(n => n.Value));
        }

        Assert.Equal(40_000, pair.OwnerB.Records.Count);
        Assert.True(pair.A.Resends > 0, "20% loss must have cost resends");
    }

    [Fact]
    public void Reliable_unordered_arrives_exactly_once_and_unreliable_sequenced_never_goes_back()
    {
        var pair = new LinkPair(seed: 2) { Loss = 0.2, Duplicate = 0.1, Latency = TimeSpan.FromMilliseconds(50), Jitter = TimeSpan.FromMilliseconds(20) };
        for (int round = 0; round < 100; round++)
        {
            pair.SendFromA(50, Delivery.ReliableUnordered, 1, start: round * 50);
            pair.SendFromA(5, Delivery.UnreliableSequenced, 2, start: round * 5);
            pair.Step();
        }

        pair.RunUntil(() => pair.A.Unsent == 0);
        List<int> unordered = pair.OwnerB.Numbers.Where(n => n.Channel == 1).Select(n => n.Value).ToList();
        Assert.Equal(Enumerable.Range(0, 5000), unordered.Order());
        Assert.NotEqual(Enumerable.Range(0, 5000), unordered); // reordered on the way, delivered as it came

        List<int> sequenced = pair.OwnerB.Numbers.Where(n => n.Channel == 2).Select(n => n.Value).ToList();
        Assert.NotEmpty(sequenced);
        Assert.True(sequenced.Count < 500, "20% loss must have lost some sequenced messages");
        for (int i = 1; i < sequenced.Count; i++)
        {
            Assert.True(sequenced[i] > sequenced[i - 1], $"sequenced went from {sequenced[i - 1]} to {sequenced[i]}");
        }
    }

    [Fact]
    public void What_is_delivered_keeps_every_delivery_modes_promise_for_random_schedules()
    {
        Gen.Select(Gen.Int, Gen.Double[0, 0.4], Gen.Double[0, 0.3], Gen.Int[0, 60]).Sample(
            (seed, loss, duplicate, jitter) =>
            {
                var pair = new LinkPair(seed) { Loss = loss, Duplicate = duplicate, Latency = TimeSpan.FromMilliseconds(30), Jitter = TimeSpan.FromMilliseconds(jitter) };
                var random = new Random(seed);
                int[] sent = new int[4];
                for (int round = 0; round < 40; round++)
                {
                    for (int mode = 0; mode < 4; mode++)
                    {
                        int count = random.Next(0, 8);
                        pair.SendFromA(count, (Delivery)mode, (byte)mode, start: sent[mode]);
                        sent[mode] += count;
                    }

                    pair.Step();
                }

                pair.RunUntil(() => pair.A.Unsent == 0);
                for (int i = 0; i < 50; i++)
                {
                    pair.Step();
                }

                List<int> Of(int mode) => pair.OwnerB.Numbers.Where(n => n.Channel == mode).Select(n => n.Value).ToList();
                List<int> unreliable = Of(0), sequenced = Of(1), unordered = Of(2), ordered = Of(3);
                Assert.Equal(unreliable.Count, unreliable.Distinct().Count()); // never duplicated
                Assert.All(unreliable, v => Assert.InRange(v, 0, sent[0] - 1));
                Assert.True(sequenced.Zip(sequenced.Skip(1)).All(p => p.Second > p.First)); // never back, never twice
                Assert.All(sequenced, v => Assert.InRange(v, 0, sent[1] - 1));
                Assert.Equal(Enumerable.Range(0, sent[2]), unordered.Order()); // exactly once
                Assert.Equal(Enumerable.Range(0, sent[3]), ordered); // exactly once, in order
            },
            iter: 40);
    }

    [Fact]
    public void Sequence_numbers_wrap_around_over_seventy_thousand_packets()
    {
        var pair = new LinkPair(seed: 3) { Loss = 0.05, Latency = TimeSpan.FromMilliseconds(5) };
        for (int i = 0; i < 80_000; i++)
        {
            pair.SendFromA(1, Delivery.ReliableOrdered, 0, start: i);
            pair.SendFromA(1, Delivery.UnreliableSequenced, 1, start: i);
            pair.Step(TimeSpan.FromMilliseconds(1));
        }

        pair.RunUntil(() => pair.A.Unsent == 0);
        Assert.True(pair.A.Sends > 70_000, $"only {pair.A.Sends} packets");
        Assert.Equal(Enumerable.Range(0, 80_000), pair.OwnerB.Numbers.Where(n => n.Channel == 0).Select(n => n.Value));
        List<int> sequenced = pair.OwnerB.Numbers.Where(n => n.Channel == 1).Select(n => n.Value).ToList();
        Assert.True(sequenced.Count > 70_000);
        Assert.True(sequenced.Zip(sequenced.Skip(1)).All(p => p.Second > p.First));
    }

    [Fact]
    public void A_three_second_total_loss_burst_is_followed_by_recovery_without_a_stall()
    {
        var pair = new LinkPair(seed: 4) { Latency = TimeSpan.FromMilliseconds(25) };
        pair.SendFromA(100, Delivery.ReliableOrdered, 0);
        pair.RunUntil(() => pair.OwnerB.Records.Count == 100);

        pair.Loss = 1;
        for (int step = 0; step < 300; step++)
        {
            pair.SendFromA(5, Delivery.ReliableOrdered, 0, start: 100 + (step * 5));
            pair.Step();
        }

        Assert.Equal(100, pair.OwnerB.Records.Count);
        pair.Loss = 0;
        long before = pair.Time.GetTimestamp();
        pair.RunUntil(() => pair.OwnerB.Records.Count == 1600);
        TimeSpan recovery = pair.Time.GetElapsedTime(before);

        // The retransmission timeout was backed off during the burst (at most 2 s); acknowledgements returning
        // reset it, and a lost packet's units go again at once: everything is through well within that.
        Assert.True(recovery < TimeSpan.FromSeconds(3), $"recovery took {recovery}");
        Assert.Equal(Enumerable.Range(0, 1600), pair.OwnerB.Numbers.Select(n => n.Value));
    }

    [Fact]
    public void A_256_KB_message_is_fragmented_and_reassembled()
    {
        var pair = new LinkPair(seed: 5) { Loss = 0.2, Duplicate = 0.1, Latency = TimeSpan.FromMilliseconds(50), Jitter = TimeSpan.FromMilliseconds(20) };
        byte[] data = new byte[256 * 1024];
        new Random(5).NextBytes(data);
        var message = new Payload { Data = data };
        Assert.True(pair.A.WriteMessage(1, in message, NetLimits.Default, Delivery.ReliableOrdered, 0));

        pair.RunUntil(() => pair.OwnerB.Records.Count == 1 || pair.OwnerB.Closing is not null || pair.OwnerA.Closing is not null);
        Assert.Null(pair.OwnerA.Closing);
        Assert.Null(pair.OwnerB.Closing);
        Assert.Equal(1, pair.OwnerB.Records[0].Index);
        Assert.Equal(data, NetSerializer.Deserialize<Payload>(pair.OwnerB.Records[0].Body).Data);
    }

    [Fact]
    public void Before_the_handshake_a_control_message_over_the_strangers_limit_ends_the_session()
    {
        // A hello of 6,000 bytes fits a stranger's limit of 8,000 and arrives; one of 10,000 ends the session as soon
        // as its pieces pass the limit, rather than being put together up to MaxMessageBytes (512 KB here).
        var pair = new LinkPair(seed: 31);
        pair.OwnerB.HandshakeLimit = 8000;
        Assert.True(pair.A.SendControl(FrameKind.Hello, new byte[6000]));
        pair.RunUntil(() => pair.OwnerB.Frames.Count == 1);
        Assert.Equal(6000, pair.OwnerB.Frames[0].Body.Length);

        Assert.True(pair.A.SendControl(FrameKind.Hello, new byte[10_000]));
        pair.RunUntil(() => pair.OwnerB.Closing is not null);
        Assert.Equal(DisconnectReason.ProtocolViolation, pair.OwnerB.Closing!.Value.Reason);
        Assert.Contains("a fragmented message of more than 8000 bytes before the handshake completed", pair.OwnerB.Closing.Value.Message);
        Assert.Single(pair.OwnerB.Frames);
    }

    [Fact]
    public void Once_open_a_message_over_MaxMessageBytes_ends_the_session_without_blaming_the_handshake()
    {
        var settings = new UdpLinkSettings(Mtu: 1200, MaxChannels: 8, MaxMessageBytes: 8000, MaxUnsentBytes: 64 * 1024 * 1024, MaxHeldBytes: 4 * 1024 * 1024, MaxPacketsPerSecond: 1_000_000);
        var pair = new LinkPair(seed: 33, settings);
        Assert.True(pair.A.SendControl(FrameKind.Hello, new byte[8_500])); // 8 pieces: within the count, over the bytes
        pair.RunUntil(() => pair.OwnerB.Closing is not null);
        string message = pair.OwnerB.Closing!.Value.Message;
        Assert.Contains("a fragmented message of more than 8000 bytes", message);
        Assert.DoesNotContain("handshake", message);
    }

    [Fact]
    public void Before_the_handshake_incomplete_unreliable_messages_are_held_within_the_strangers_limit()
    {
        // Three unreliable messages of 2,000 bytes, each missing its second piece: a stranger (limit 3,000) gets the
        // newest two held and the oldest dropped; an open link (its own budget, 4 MB here) holds all three.
        foreach (int limit in new[] { 3000, 0 })
        {
            var pair = new LinkPair(seed: 34);
            pair.OwnerB.HandshakeLimit = limit;
            for (int i = 0; i < 3; i++)
            {
                var message = new Payload { Data = new byte[2000] };
                Assert.True(pair.A.WriteMessage(1, in message, NetLimits.Default, Delivery.Unreliable, 0));
                pair.A.Flush();
                Assert.Equal(2, pair.OutA.Datagrams.Count);
                pair.B.Receive(pair.OutA.Datagrams[0]); // the first piece only
                pair.OutA.Datagrams.Clear();
            }

            Assert.Null(pair.OwnerB.Closing);
            Assert.Empty(pair.OwnerB.Records);
            if (limit > 0)
            {
                Assert.InRange(pair.B.ReassemblyBytes, 1, limit);
                Assert.Equal(1, pair.B.FragmentsDropped);
            }
            else
            {
                Assert.True(pair.B.ReassemblyBytes > 3000, $"{pair.B.ReassemblyBytes} bytes held");
                Assert.Equal(0, pair.B.FragmentsDropped);
            }
        }
    }

    [Fact]
    public void Before_the_handshake_a_stranger_cannot_make_the_link_hold_more_than_its_limit_and_loses_nothing_by_it()
    {
        // Ten reliable messages of 1,100 bytes, one to a datagram, the first datagram withheld: the nine behind it wait
        // for it. A stranger (limit 3,000) gets two of them held and the rest refused unacknowledged; once the
        // connection is open the sender's resends bring everything, in order.
        var pair = new LinkPair(seed: 32);
        pair.OwnerB.HandshakeLimit = 3000;
        for (int i = 0; i < 10; i++)
        {
            var message = new Payload { Data = Enumerable.Repeat((byte)i, 1100).ToArray() };
            Assert.True(pair.A.WriteMessage(1, in message, NetLimits.Default, Delivery.ReliableOrdered, 0));
        }

        pair.A.Flush();
        List<byte[]> datagrams = pair.OutA.Datagrams.ToList();
        pair.OutA.Datagrams.Clear();
        Assert.Equal(10, datagrams.Count);
        foreach (byte[] datagram in datagrams.Skip(1))
        {
            pair.B.Receive(datagram);
        }

        Assert.Equal(7, pair.B.Refused);
        Assert.Empty(pair.OwnerB.Records);
        Assert.Null(pair.OwnerB.Closing);

        pair.OwnerB.HandshakeLimit = 0; // open
        pair.RunUntil(() => pair.OwnerB.Records.Count == 10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (byte)i), pair.OwnerB.Records.Select(r => NetSerializer.Deserialize<Payload>(r.Body).Data[0]));
    }

    [Fact]
    public void An_unreliable_message_larger_than_a_datagram_arrives_whole_when_no_piece_is_lost()
    {
        var pair = new LinkPair(seed: 6);
        var message = new Payload { Data = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray() };
        Assert.True(pair.A.WriteMessage(1, in message, NetLimits.Default, Delivery.Unreliable, 0));
        pair.RunUntil(() => pair.OwnerB.Records.Count == 1);
        Assert.Equal(message.Data, NetSerializer.Deserialize<Payload>(pair.OwnerB.Records[0].Body).Data);
    }

    [Fact]
    public void The_sender_learns_of_each_packet_whether_it_was_acknowledged_or_lost()
    {
        var pair = new LinkPair(seed: 7) { Loss = 0.3, Latency = TimeSpan.FromMilliseconds(20) };
        var fates = new Dictionary<ushort, bool>();
        pair.A.PacketNotified = (sequence, acked) => Assert.True(fates.TryAdd(sequence, acked), $"packet {sequence} notified twice");
        for (int i = 0; i < 200; i++)
        {
            pair.SendFromA(1, Delivery.Unreliable, 0, start: i);
            pair.Step();
        }

        for (int i = 0; i < 100; i++)
        {
            pair.Step();
        }

        // Packet i carried message i (one unit a step, and B sends nothing that A would acknowledge).
        Assert.Equal(200, fates.Count); // every packet with a unit: one verdict each
        var arrived = pair.OwnerB.Numbers.Select(n => n.Value).ToHashSet();
        Assert.All(fates.Where(f => f.Value), f => Assert.Contains((int)f.Key, arrived)); // acknowledged: it arrived
        Assert.All(Enumerable.Range(0, 200).Where(i => !arrived.Contains(i)), i => Assert.False(fates[(ushort)i])); // never arrived: lost

        // An arrived packet may still be reported lost when every acknowledgement of it was lost too (the
        // sender cannot tell): that is rare, and only at the end here, where no later packet carries its bit.
        int ambiguous = fates.Count(f => !f.Value && arrived.Contains(f.Key));
        Assert.InRange(ambiguous, 0, 20);
        Assert.InRange(fates.Values.Count(v => !v), 30, 90);
    }

    [Fact]
    public void A_sender_thousands_of_packets_ahead_of_its_acknowledgements_learns_each_ones_fate()
    {
        // 20 datagrams a millisecond over a 100 ms path: about 4,000 packets in flight before the first comes back.
        var pair = new LinkPair(seed: 41) { Latency = TimeSpan.FromMilliseconds(100) };
        var fates = new List<bool>();
        pair.A.PacketNotified = (_, acked) => fates.Add(acked);
        var message = new Payload { Data = new byte[1100] }; // one to a datagram
        for (int step = 0; step < 300; step++)
        {
            for (int i = 0; i < 20; i++)
            {
                Assert.True(pair.A.WriteMessage(1, in message, NetLimits.Default, Delivery.Unreliable, 0));
            }

            pair.Step(TimeSpan.FromMilliseconds(1));
        }

        pair.RunUntil(() => fates.Count == 6000, maxSteps: 100);
        Assert.Equal(6000, pair.OwnerB.Records.Count);
        Assert.All(fates, Assert.True); // nothing was lost, and nothing was reported lost
    }

    [Fact]
    public void A_lone_unreliable_packet_is_not_declared_lost_while_its_acknowledgement_may_still_be_delayed()
    {
        // A short path, and reliable round trips first, so the retransmission timeout sits at its 30 ms floor:
        // 1.5 timeouts (45 ms) pass before the receiver's 50 ms delay for an unreliable packet's acknowledgement.
        var pair = new LinkPair(seed: 21) { Latency = TimeSpan.FromMilliseconds(1) };
        for (int i = 0; i < 20; i++)
        {
            pair.SendFromA(1, Delivery.ReliableOrdered, 0, start: i);
            pair.Step(TimeSpan.FromMilliseconds(1));
            pair.Step(TimeSpan.FromMilliseconds(1));
            pair.Step(TimeSpan.FromMilliseconds(1));
        }

        for (int i = 0; i < 10; i++)
        {
            pair.Step(TimeSpan.FromMilliseconds(1)); // every reliable packet's fate is in
        }

        Assert.Equal(TimeSpan.FromMilliseconds(30), pair.A.Rtt.Rto);
        var fates = new List<bool>();
        pair.A.PacketNotified = (_, acked) => fates.Add(acked);
        pair.SendFromA(1, Delivery.Unreliable, 0, start: 100);
        pair.RunUntil(() => fates.Count > 0, maxSteps: 1000);

        Assert.Equal([true], fates); // it arrived, and its acknowledgement came within the delay the receiver may take
        Assert.Contains(100, pair.OwnerB.Numbers.Select(n => n.Value));
    }

    [Theory]
    [InlineData(Delivery.Unreliable)]
    [InlineData(Delivery.ReliableOrdered)]
    public void A_flush_of_many_datagrams_leaves_in_segmented_sends_padded_to_the_mtu(Delivery delivery)
    {
        var pair = new LinkPair(seed: 31) { Latency = TimeSpan.FromMilliseconds(1) };
        pair.OutA.MaxSegments = 8;
        pair.SendFromA(1000, delivery, 0);
        pair.RunUntil(() => pair.OwnerB.Records.Count == 1000);

        // Each piece the kernel cut arrived as a datagram B accepted (no checksum or unit failed), in order.
        Assert.Equal(Enumerable.Range(0, 1000), pair.OwnerB.Numbers.Select(n => n.Value));
        Assert.Null(pair.OwnerB.Closing);
        Assert.NotEmpty(pair.OutA.SegmentedSends);
        Assert.All(pair.OutA.SegmentedSends, lengths => Assert.All(lengths[..^1], length => Assert.Equal(1200, length)));
        int segmented = pair.OutA.SegmentedSends.Sum(lengths => lengths.Length);
        Assert.True(segmented * 2 > pair.A.Sends, $"{segmented} of {pair.A.Sends} datagrams left in segmented sends");
    }

    [Fact]
    public void Datagrams_that_would_need_more_padding_than_a_sixteenth_of_the_mtu_leave_one_by_one()
    {
        // Units of about 210 bytes: five fill 1,050 of a datagram's 1,183, and a sixth does not fit.
        var pair = new LinkPair(seed: 32) { Latency = TimeSpan.FromMilliseconds(1) };
        pair.OutA.MaxSegments = 8;
        var message = new Payload { Data = new byte[200] };
        for (int i = 0; i < 50; i++)
        {
            Assert.True(pair.A.WriteMessage(1, in message, NetLimits.Default, Delivery.Unreliable, 0));
        }

        pair.RunUntil(() => pair.OwnerB.Records.Count == 50);
        Assert.Empty(pair.OutA.SegmentedSends);
        Assert.Equal(10, pair.A.Sends);
        Assert.InRange(pair.A.BytesSent, 10 * 1000, 10 * (1200 - UdpPacket.MaxPadding(1200))); // none was padded to 1,200
    }

    [Fact]
    public void Small_messages_of_a_type_once_sent_large_still_share_datagrams()
    {
        // One of 1,100 bytes raises the type's size hint (the largest seen, process-wide); the 200-byte ones after it
        // still go five to a datagram: each takes what room is left, and the one that does not fit opens the next.
        var pair = new LinkPair(seed: 33) { Latency = TimeSpan.FromMilliseconds(1) };
        var large = new Payload { Data = new byte[1100] };
        Assert.True(pair.A.WriteMessage(1, in large, NetLimits.Default, Delivery.Unreliable, 0));
        pair.A.Flush();
        Assert.Equal(1, pair.A.Sends);

        var small = new Payload { Data = new byte[200] };
        for (int i = 0; i < 50; i++)
        {
            Assert.True(pair.A.WriteMessage(1, in small, NetLimits.Default, Delivery.Unreliable, 0));
        }

        pair.RunUntil(() => pair.OwnerB.Records.Count == 51);
        Assert.Equal(11, pair.A.Sends);
    }

    [Fact]
    public void A_tracked_body_is_reported_once_per_datagram_it_took_acknowledged_or_lost()
    {
        var pair = new LinkPair(seed: 11) { Loss = 0.3 };
        var expected = new Dictionary<long, int>();
        for (long token = 1; token <= 200; token++)
        {
            // Mostly one datagram each; every tenth needs three.
            byte[] body = new byte[token % 10 == 0 ? (pair.A.MaxTrackedBytes * 2) + 10 : 100];
            body[0] = (byte)token;
            expected[token] = pair.A.SendTracked(body, token);
            pair.A.Flush();
            pair.Step();
        }

        pair.RunUntil(() => pair.OwnerA.Tracked.Count == expected.Values.Sum(), maxSteps: 2_000);
        Assert.Equal(1, expected[1]);
        Assert.Equal(3, expected[10]);
        Assert.All(pair.OwnerA.Tracked.GroupBy(t => t.Token), g => Assert.Equal(expected[g.Key], g.Count()));

        // What B received as snapshot frames is what A's reports say arrived, part for part.
        var arrived = pair.OwnerB.Frames.Where(f => f.Kind == FrameKind.Snapshot).Select(f => (long)f.Body[0]).ToHashSet();
        var acked = pair.OwnerA.Tracked.GroupBy(t => t.Token).Where(g => g.All(t => t.Acked)).Select(g => g.Key).ToList();
        Assert.All(acked, token => Assert.Contains(token, arrived));
        Assert.InRange(acked.Count, 80, 180);
    }

    [Fact]
    public void Channels_and_delivery_modes_out_of_range_are_refused_at_send()
    {
        var pair = new LinkPair(seed: 8);
        var message = new Numbered();
        Assert.Throws<ArgumentOutOfRangeException>(() => pair.A.WriteMessage(0, in message, NetLimits.Default, Delivery.ReliableOrdered, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => pair.A.WriteMessage(0, in message, NetLimits.Default, (Delivery)7, 0));
    }

    /// <summary>
    /// A link lingering on unacknowledged units still answers pings; when the pong's flush is the one past the
    /// linger, that flush ends the session. It once only marked it ended: no flush finished it afterwards, and a
    /// client's DisposeAsync waited for its close for ever (seen once in a few full runs of the suite, under loss).
    /// </summary>
    [Fact]
    public void A_linger_that_ends_while_answering_a_ping_finishes_the_session()
    {
        LinkPair pair = Unacknowledged(seed: 9);
        pair.A.Close(new DisconnectInfo(DisconnectReason.Graceful, "done"), notifyPeer: true);
        Assert.NotNull(pair.OwnerA.Closing);
        Assert.Null(pair.OwnerA.Closed); // lingering: its units wait for acknowledgements

        pair.Time.Advance(TimeSpan.FromSeconds(3)); // past the linger, with no tick in between
        Assert.True(pair.A.SendControl(FrameKind.Pong, []));

        Assert.Equal(DisconnectReason.Graceful, pair.OwnerA.Closed?.Reason);
        Assert.Contains(pair.OutA.Datagrams, d => UdpPacket.TypeOf(d[0]) == PacketType.Disconnect); // the peer is told
    }

    [Theory]
    [InlineData("Вы были исключены. ", 40, 760, false)] // 760 characters, 1,400 UTF-8 bytes: more than a datagram holds
    [InlineData("kicked ", 146, 1022, true)] // ASCII: 1,022 bytes, which a datagram holds whole
    [InlineData("🙂", 600, 1200, false)] // four bytes a character, two chars each: cut between pairs, never within one
    public void A_kick_with_a_long_reason_reaches_the_peer_as_a_kick_with_as_much_of_its_reason_as_fits(string piece, int repeat, int chars, bool whole)
    {
        var pair = new LinkPair(seed: 1);
        string reason = string.Concat(Enumerable.Repeat(piece, repeat));
        Assert.Equal(chars, reason.Length);

        pair.A.Close(new DisconnectInfo(DisconnectReason.Kicked, reason), notifyPeer: true);
        foreach (byte[] datagram in pair.OutA.Datagrams)
        {
            Assert.InRange(datagram.Length, 1, 1200);
            pair.B.Receive(datagram);
        }

        Assert.Equal(DisconnectReason.Kicked, pair.OwnerB.Closing?.Reason);
        string message = pair.OwnerB.Closing!.Value.Message;
        Assert.StartsWith(message, reason, StringComparison.Ordinal); // a prefix, cut at a character's edge
        Assert.True(whole ? message == reason : message.Length > chars / 3, $"{message.Length} characters arrived");
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(message) <= 1200);
    }

    [Theory]
    [InlineData(true)] // the stale message and the new one have as many pieces: the new one was put together from both
    [InlineData(false)] // they differ: a correct sender was cut off as a protocol violation
    public void An_unreliable_group_number_reused_after_wrapping_does_not_meet_a_stale_incomplete_message(bool sameCount)
    {
        var pair = new LinkPair(seed: 1);
        var stale = new Payload { Data = Enumerable.Repeat((byte)0xAA, sameCount ? 1500 : 3000).ToArray() };
        Assert.True(pair.A.WriteMessage(1, in stale, NetLimits.Default, Delivery.Unreliable, 0));
        pair.A.Flush();
        Assert.InRange(pair.OutA.Datagrams.Count, 2, 3);
        foreach (byte[] datagram in pair.OutA.Datagrams.Take(pair.OutA.Datagrams.Count - 1))
        {
            pair.B.Receive(datagram); // its last piece is lost
        }

        pair.OutA.Datagrams.Clear();

        // 65,535 more fragmented unreliable messages within the 5 s an incomplete one is kept (16,700 a second), all
        // arriving: the group number comes round to the stale message's.
        var filler = new Payload { Data = new byte[1500] };
        for (int i = 1; i < 65_536; i++)
        {
            pair.Time.Advance(TimeSpan.FromMicroseconds(60));
            Assert.True(pair.A.WriteMessage(1, in filler, NetLimits.Default, Delivery.Unreliable, 0));
            pair.A.Flush();
            foreach (byte[] datagram in pair.OutA.Datagrams)
            {
                pair.B.Receive(datagram);
            }

            pair.OutA.Datagrams.Clear();
            pair.OutB.Datagrams.Clear();
            pair.OwnerB.Records.Clear();
        }

        Assert.Null(pair.OwnerB.Closing);
        var latest = new Payload { Data = Enumerable.Repeat((byte)0xBB, 1500).ToArray() };
        Assert.True(pair.A.WriteMessage(1, in latest, NetLimits.Default, Delivery.Unreliable, 0));
        pair.A.Flush();
        foreach (byte[] datagram in pair.OutA.Datagrams)
        {
            pair.B.Receive(datagram);
        }

        Assert.True(pair.OwnerB.Closing is null, $"a correct sender was cut off: {pair.OwnerB.Closing?.Reason}: {pair.OwnerB.Closing?.Message}");
        byte[] data = NetSerializer.Deserialize<Payload>(Assert.Single(pair.OwnerB.Records).Body).Data;
        Assert.True(data.SequenceEqual(latest.Data), $"delivered {data.Count(b => b == 0xAA)} bytes of the stale message and {data.Count(b => b == 0xBB)} of the new one");
    }

    [Theory]
    [InlineData(1_000)]  // a short gap: the newest acknowledgement before it is still within half the sequence space
    [InlineData(40_000)] // more than half the sequence space: the newest acknowledgement before it looks newer than the next
    public void After_a_long_gap_in_acknowledgements_packets_in_flight_are_not_reported_lost(int unacknowledged)
    {
        // A streams one unreliable packet a millisecond to B, and B's acknowledgements take 5 ms back, so a few of A's
        // packets are always in flight when one arrives. For a while every acknowledgement is lost (A's packets still
        // arrive). Once they come through again, the packets in flight when each arrives are not three behind the
        // newest acknowledged: nothing that arrived is to be reported lost.
        var pair = new LinkPair(seed: 1);
        var fates = new Dictionary<int, bool>();
        int sent = 0;
        pair.A.PacketNotified = (sequence, acked) => fates[sent - 1 - (ushort)((ushort)(sent - 1) - sequence)] = acked;
        var back = new Queue<(long Due, byte[] Datagram)>();
        void Run(int packets, bool acknowledgementsLost)
        {
            for (int i = 0; i < packets; i++)
            {
                pair.Time.Advance(TimeSpan.FromMilliseconds(1));
                var message = new Numbered { Value = sent };
                Assert.True(pair.A.WriteMessage(0, in message, NetLimits.Default, Delivery.Unreliable, 0));
                pair.A.Flush();
                sent++;
                foreach (byte[] datagram in pair.OutA.Datagrams)
                {
                    pair.B.Receive(datagram);
                }

                pair.OutA.Datagrams.Clear();
                pair.B.Flush();
                long now = pair.Time.GetTimestamp();
                foreach (byte[] datagram in pair.OutB.Datagrams.Where(_ => !acknowledgementsLost))
                {
                    back.Enqueue((now + (5 * pair.Time.TimestampFrequency / 1000), datagram));
                }

                pair.OutB.Datagrams.Clear();
                while (back.TryPeek(out (long Due, byte[] Datagram) due) && due.Due <= now)
                {
                    pair.A.Receive(back.Dequeue().Datagram);
                }
            }
        }

        Run(100, acknowledgementsLost: false);
        Run(unacknowledged, acknowledgementsLost: true);
        int from = sent;
        Run(1_000, acknowledgementsLost: false);

        int[] lost = fates.Where(f => f.Key >= from && !f.Value).Select(f => f.Key).Order().ToArray();
        Assert.True(lost.Length == 0, $"{lost.Length} of the last 1,000 packets, all of which arrived, were reported lost (the first {string.Join(", ", lost.Take(5))})");
        Assert.Null(pair.OwnerB.Closing);
    }

    /// <summary>
    /// Both ends close at once: the peer's goodbye arrives while this side's Close is telling its owner. The session
    /// ends once, after the owner heard of the close; it once ended twice (the goodbye's thread finishing it, then
    /// Close again), the first time before the owner's OnClosing.
    /// </summary>
    [Fact]
    public void A_goodbye_that_arrives_while_a_close_is_under_way_ends_the_session_once()
    {
        var pair = new LinkPair(seed: 10);
        pair.B.Close(new DisconnectInfo(DisconnectReason.Graceful, "leaving"), notifyPeer: true); // nothing to linger for
        byte[] goodbye = pair.OutB.Datagrams.First(d => UdpPacket.TypeOf(d[0]) == PacketType.Disconnect); // one of its copies
        pair.OwnerA.DuringClosing = () => pair.A.Receive(goodbye);

        pair.A.Close(new DisconnectInfo(DisconnectReason.Graceful, "leaving too"), notifyPeer: true);

        Assert.Equal(1, pair.OwnerA.ClosedCount);
        Assert.False(pair.OwnerA.ClosedBeforeClosing);
        Assert.DoesNotContain(pair.OutA.Datagrams, d => UdpPacket.TypeOf(d[0]) == PacketType.Disconnect); // no notice to a peer that left
    }

    /// <summary>
    /// An abort after a graceful close began (a stop whose wait was cancelled): a linger waiting for acknowledgements
    /// that will not come ends at once, the session finished once and the peer still told. The abort used to be
    /// ignored, leaving the linger to a tick that a stopped endpoint no longer makes.
    /// </summary>
    [Fact]
    public void An_abort_during_a_linger_ends_it_at_once_and_the_peer_is_still_told()
    {
        LinkPair pair = Unacknowledged(seed: 11);
        pair.A.Close(new DisconnectInfo(DisconnectReason.ServerShutdown, "stopping"), notifyPeer: true);
        Assert.Null(pair.OwnerA.Closed); // lingering

        pair.A.Close(new DisconnectInfo(DisconnectReason.ServerShutdown, "stopping now"), notifyPeer: false, abort: true);

        Assert.Equal(1, pair.OwnerA.ClosedCount);
        Assert.Equal("stopping", pair.OwnerA.Closed?.Message); // the close's own reason
        Assert.Contains(pair.OutA.Datagrams, d => UdpPacket.TypeOf(d[0]) == PacketType.Disconnect);
        pair.A.Close(new DisconnectInfo(DisconnectReason.ServerShutdown, "again"), notifyPeer: false, abort: true);
        Assert.Equal(1, pair.OwnerA.ClosedCount); // once
    }

    /// <summary>
    /// The same abort arriving while the graceful close is still telling its owner, before any linger began: the
    /// close ends at its second step instead of lingering, after the owner heard of it.
    /// </summary>
    [Fact]
    public void An_abort_while_a_close_is_telling_its_owner_skips_the_linger()
    {
        LinkPair pair = Unacknowledged(seed: 12);
        pair.OwnerA.DuringClosing = () => pair.A.Close(new DisconnectInfo(DisconnectReason.ServerShutdown, "stopping now"), notifyPeer: false, abort: true);

        pair.A.Close(new DisconnectInfo(DisconnectReason.ServerShutdown, "stopping"), notifyPeer: true);

        Assert.Equal(1, pair.OwnerA.ClosedCount);
        Assert.False(pair.OwnerA.ClosedBeforeClosing);
        Assert.Contains(pair.OutA.Datagrams, d => UdpPacket.TypeOf(d[0]) == PacketType.Disconnect);
    }

    /// <summary>A pair whose A has sent reliable messages that B never acknowledges (their datagrams lost): a close of A lingers for them.</summary>
    private static LinkPair Unacknowledged(int seed)
    {
        var pair = new LinkPair(seed);
        pair.SendFromA(10, Delivery.ReliableOrdered, 1);
        pair.A.Flush();
        pair.OutA.Datagrams.Clear();
        return pair;
    }
}
