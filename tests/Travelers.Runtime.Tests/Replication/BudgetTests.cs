using System.Numerics;
using Travelers;

namespace Travelers.Runtime.Tests.Replication;

/// <summary>The per-client budget: what does not fit waits with rising priority, nothing starves, and an idle world costs next to nothing.</summary>
public sealed class BudgetTests
{
    [Fact]
    public async Task Within_a_small_budget_every_changing_entity_is_updated_within_a_bounded_number_of_ticks()
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(NetTransport.Udp, o => o.World.BudgetBytesPerSecond = 1024);
        NetClient client = await rig.ConnectAsync();
        var players = Enumerable.Range(0, 20).Select(i => rig.World.Spawn(new TestPlayer { Name = $"p{i}" })).ToList();
        TestPlayer urgent = players[0];
        urgent.Priority = 5;
        await rig.Until(() => client.World.Entities.Count == 20);

        // Every entity changes every tick (its score is the tick); the budget carries one or two records a tick.
        // What each tick held back is read before the next: the last tick alone says little when the machine
        // stalled before it (the budget refills by the time elapsed, up to 2 KB, and then everything fits).
        var deferred = new List<long>();
        rig.Simulate = () =>
        {
            deferred.Add(rig.World.Statistics.LastPublishDeferred);
            foreach (TestPlayer p in players)
            {
                p.Score = (int)rig.World.Tick + 1;
            }
        };

        var lastSeen = new Dictionary<NetId, int>();
        var updates = new Dictionary<NetId, int>();
        int maxGap = 0;
        uint start = rig.World.Tick + 60;
        await rig.Until(() =>
        {
            foreach (TestPlayer copy in client.World.Entities.OfType<TestPlayer>())
            {
                if (copy.Score == 0 || (lastSeen.TryGetValue(copy.Id, out int seen) && seen == copy.Score))
                {
                    continue;
                }

                if (seen != 0 && copy.Score > start)
                {
                    maxGap = Math.Max(maxGap, copy.Score - seen);
                    updates[copy.Id] = updates.GetValueOrDefault(copy.Id) + 1;
                }

                lastSeen[copy.Id] = copy.Score;
            }

            return rig.World.Tick > start + 600;
        });

        // 20 candidates, about one record a tick: each waits about 20 ticks, the urgent one a fifth of that.
        long[] held = deferred.Skip(60).Order().ToArray();
        Assert.InRange(held[held.Length / 2], 10, 19);
        Assert.All(held, d => Assert.InRange(d, 0, 19));
        Assert.Equal(20, updates.Count);
        Assert.InRange(maxGap, 2, 60);
        double others = players.Skip(1).Average(p => updates[p.Id]);
        Assert.True(updates[urgent.Id] > 2.5 * others, $"urgent {updates[urgent.Id]}, others {others:0.0} on average");
    }

    [Fact]
    public async Task An_idle_world_of_1000_entities_costs_each_client_less_than_100_bytes_a_tick()
    {
        await using ReplicationRig rig = await ReplicationRig.StartAsync(NetTransport.Udp, o => o.World.BudgetBytesPerSecond = 1 << 20);
        for (int i = 0; i < 3; i++)
        {
            await rig.ConnectAsync();
        }

        for (int i = 0; i < 1000; i++)
        {
            rig.World.Spawn(new Crate { Position = new Vector3(i % 100, i / 100, 0), Rotation = Quaternion.Identity });
        }

        await rig.Until(() => rig.Clients.All(c => c.World.Entities.Count == 1000));
        await rig.Ticks(30); // the last acknowledgements come back

        long bytes = 0;
        for (int tick = 0; tick < 30; tick++)
        {
            await rig.Ticks(1);
            bytes += rig.World.Statistics.LastPublishBytes;
        }

        double perClientPerTick = bytes / 30.0 / 3;
        Assert.Equal(0, rig.World.Statistics.LastPublishDeferred);
        Assert.InRange(perClientPerTick, 1, 99);
    }
}
