using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tollgate.Runtime;
using Tollgate.Runtime.Cluster;
using Tollgate.Runtime.Hosting;
using Tollgate.Runtime.Persistence;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Runtime;

/// <summary>
/// Lease renewal and the commit fence lock the same partition rows. Under load they once locked them in
/// different orders, PostgreSQL aborted the renewal as a deadlock, and the silo went stale and refused calls.
/// </summary>
[Collection("postgres")]
public sealed class LeaseLockOrderTests(PostgresFixture postgres)
{
    private const int PartitionCount = 64;
    private static readonly SiloIdentity Silo = new("http://127.0.0.1:9", 1);

    [Fact]
    public async Task Renewals_and_multi_partition_commits_never_deadlock()
    {
        await using var database = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await new Migrator(database, NullLogger<Migrator>.Instance)
            .ApplyAsync([new MigrationSource("runtime", typeof(SiloOptions).Assembly)], CancellationToken.None);
        var partitions = new PartitionTable(new Partitioner(PartitionCount));
        var leases = new LeaseManager(database, Silo, partitions, new SiloOptions { LeaseDuration = TimeSpan.FromMinutes(5) }, NullLogger<LeaseManager>.Instance);
        await leases.EnsurePartitionsAsync(CancellationToken.None);
        await ScrambleRowOrderAsync(database);
        Assert.Equal(PartitionCount, await leases.AcquireAsync(PartitionCount, CancellationToken.None));

        await using var committer = new GroupCommitter(database, Silo, new GroupCommitOptions { Lanes = 4 }, NullLogger<GroupCommitter>.Instance);
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 128).Select(grain => WriteUntilStoppedAsync(committer, partitions, grain, stop.Token)).ToList();

        var renewalFailures = new List<Exception>();
        for (var renewal = 0; renewal < 200; renewal++)
        {
            try { await leases.RenewAsync(CancellationToken.None); }
            catch (PostgresException error) { renewalFailures.Add(error); }
        }
        await stop.CancelAsync();
        var committed = (await Task.WhenAll(writers)).Sum();

        Assert.Empty(renewalFailures);
        Assert.Equal(PartitionCount, partitions.HeldCount);
        Assert.True(committed > 0, "the writers committed nothing, so nothing contended with the renewals");
    }

    // A cluster's history of handoffs leaves the rows in no particular physical order; a sequential scan
    // then meets them in that order, while an index scan meets them in partition order.
    private static async Task ScrambleRowOrderAsync(NpgsqlDataSource database)
    {
        for (var partition = PartitionCount - 1; partition >= 0; partition--)
        {
            await using var touch = database.CreateCommand("UPDATE partition_leases SET expires_at = '-infinity' WHERE partition_id = $1");
            touch.Parameters.Add(new NpgsqlParameter { Value = partition });
            await touch.ExecuteNonQueryAsync();
        }
    }

    private static async Task<int> WriteUntilStoppedAsync(GroupCommitter committer, PartitionTable partitions, int index, CancellationToken stop)
    {
        var grain = new GrainId("counter", index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var partition = partitions.Partitioner.PartitionOf(grain);
        var chain = new WriteChain(_ => { });
        var version = 0;
        while (!stop.IsCancellationRequested)
        {
            await committer.Submit(GrainStateStore.Write(grain, new Counter(version), version, TestStateJson.Default.Counter), partition, partitions.RecordedEpoch(partition), chain);
            version++;
        }
        return version;
    }
}
