using Npgsql;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Runtime;
using Tollgate.Runtime.Cluster;
using Tollgate.Runtime.Hosting;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Runtime;

[Collection("postgres")]
public sealed class FencingTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_silo_whose_partition_lease_was_taken_over_cannot_write()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var account = GrainTypes.AccountId("fenced");
        await cluster.Grains.CallAsync(account, new CreateAccount(0, 1_000, "test"));
        var partition = new Partitioner().PartitionOf(account);

        // Another silo takes the partition (as after this one paused past its lease): the epoch moves on.
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var steal = new NpgsqlCommand("""
                UPDATE partition_leases SET owner_address = 'http://127.0.0.1:9', owner_generation = 999999,
                    epoch = epoch + 1, expires_at = now() + interval '1 hour'
                WHERE partition_id = $1
                """, connection);
            steal.Parameters.Add(new NpgsqlParameter { Value = partition });
            Assert.Equal(1, await steal.ExecuteNonQueryAsync());
        }

        // The old owner still believes it holds the partition, but its write is refused in the database.
        // (Called inside the silo, so the client's routing table, which now names the new owner, is not involved.)
        var oldOwner = cluster.SiloService<LocalGrainCaller>();
        var refused = await Assert.ThrowsAsync<GrainException>(() =>
            oldOwner.CallAsync(account, new AdjustCredit(500, "after takeover", "test", "k1")));
        Assert.Equal(GrainErrorCodes.WrongSilo, refused.Code);
        Assert.Equal(new Ledger.Totals(1_000, 1_000, 1), await Ledger.ReadAsync(database, "fenced"));
        Assert.Equal(0, await Ledger.ScalarAsync(database, "SELECT count(*) FROM ledger WHERE op_key = 'k1'"));
    }
}
