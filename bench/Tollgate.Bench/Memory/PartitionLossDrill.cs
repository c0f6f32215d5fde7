using Npgsql;

namespace Tollgate.Bench.Memory;

/// <summary>
/// Makes the silo lose the leases of some partitions as if another silo had taken them (their epoch
/// moves on in the database), and watches what that costs its maintenance loop: the next renewal
/// finds each of them lost, and the catalog's DropPartition walks every activation once per lost
/// partition, on the loop that also heartbeats and renews. The silo still owns the rows, so it
/// takes the partitions back in the same renewal: only the drop is measured.
/// </summary>
internal static class PartitionLossDrill
{
    public static async Task<DrillResult> RunAsync(NpgsqlDataSource database, string siloAddress, CatalogCensus census, int partitions, TimeSpan observeFor)
    {
        var before = census.Count();
        var watch = LeaseWatch.Start(database, siloAddress);
        await using (var steal = database.CreateCommand("UPDATE partition_leases SET epoch = epoch + 1 WHERE owner_address = $1 AND partition_id < $2"))
        {
            steal.Parameters.Add(new NpgsqlParameter { Value = siloAddress });
            steal.Parameters.Add(new NpgsqlParameter { Value = partitions });
            await steal.ExecuteNonQueryAsync();
        }
        await Task.Delay(observeFor); // a heartbeat is due every 5 s: a longer gap is the stall
        var leases = await watch.StopAsync();
        return new DrillResult(partitions, before, before - census.Count(), leases, observeFor);
    }
}

/// <param name="Dropped">Activations of the lost partitions that the catalog let go.</param>
internal sealed record DrillResult(int Partitions, int ActivationsBefore, int Dropped, LeaseHealth Leases, TimeSpan ObservedFor);
