using Tollgate.Runtime.Cluster;

namespace Tollgate.Tests.Runtime;

public sealed class PartitionTableTests
{
    [Fact]
    public void A_partition_is_served_only_while_its_lease_renewal_is_current()
    {
        var table = new PartitionTable(new Partitioner(8));
        table.Hold(3, epoch: 5);
        Assert.False(table.TryGetEpoch(3, out _)); // never confirmed yet

        table.ConfirmUntil(Environment.TickCount64 + 60_000);
        Assert.True(table.TryGetEpoch(3, out var epoch));
        Assert.Equal(5, epoch);
        Assert.False(table.TryGetEpoch(4, out _));

        table.ConfirmUntil(Environment.TickCount64 - 1); // renewals overdue: stop serving at once
        Assert.False(table.TryGetEpoch(3, out _));
    }

    [Fact]
    public void Losing_a_partition_is_announced_once()
    {
        var table = new PartitionTable(new Partitioner(8));
        var lost = new List<int>();
        table.PartitionLost += lost.Add;
        table.Hold(1, 1);
        table.Lose(1);
        table.Lose(1);
        table.Hold(2, 1);
        table.Hold(2, 2); // re-acquired at a new epoch: the old epoch's activations must go
        Assert.Equal([1, 2], lost);
    }

    [Fact]
    public void A_stale_lease_report_never_brings_back_a_partition_given_away()
    {
        var table = new PartitionTable(new Partitioner(8));
        table.ConfirmUntil(Environment.TickCount64 + 60_000);
        table.Hold(1, 4);
        table.GiveAway(1, movedTo: "http://127.0.0.1:9"); // transferred: the new owner holds epoch 5
        table.Hold(1, 4); // a renewal that read the row before the transfer
        Assert.False(table.TryGetEpoch(1, out _));
        table.Hold(1, 3);
        Assert.False(table.TryGetEpoch(1, out _));
        table.Hold(1, 6); // handed back later at a newer epoch
        Assert.True(table.TryGetEpoch(1, out var epoch));
        Assert.Equal(6, epoch);
    }

    [Fact]
    public void A_renewal_that_missed_a_partition_claimed_meanwhile_does_not_drop_it()
    {
        var table = new PartitionTable(new Partitioner(8));
        table.ConfirmUntil(Environment.TickCount64 + 60_000);
        table.Hold(2, 1);
        // The renewal saw epoch 1 and got nothing back; meanwhile the partition was handed back at epoch 3.
        table.Hold(2, 3);
        Assert.False(table.LoseIf(2, 1));
        Assert.True(table.TryGetEpoch(2, out var epoch));
        Assert.Equal(3, epoch);
        Assert.True(table.LoseIf(2, 3));
        table.Hold(2, 3); // lost only locally (not given away): a renewal that shows it is still ours restores it
        Assert.True(table.TryGetEpoch(2, out _));
    }

    [Fact]
    public void The_partition_hash_is_stable_across_processes_and_spreads_keys()
    {
        var partitioner = new Partitioner();
        // Fixed expectations: a change here would move every grain of a running cluster.
        Assert.Equal(4144935536u, Partitioner.StableHash(new("account", "acme")));
        Assert.Equal(624, partitioner.PartitionOf(new("account", "acme")));
        Assert.NotEqual(Partitioner.StableHash(new("ab", "c")), Partitioner.StableHash(new("a", "bc")));
        var counts = new int[partitioner.PartitionCount];
        for (var i = 0; i < 100_000; i++) counts[partitioner.PartitionOf(new("account", $"acct-{i}"))]++;
        Assert.True(counts.Min() > 40 && counts.Max() < 160, $"min {counts.Min()} max {counts.Max()} per partition (mean 98)");
    }
}
