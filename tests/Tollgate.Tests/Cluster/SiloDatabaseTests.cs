using System.Diagnostics;
using Npgsql;
using Tollgate.Silo;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Cluster;

/// <summary>What the silo's connections ask of PostgreSQL.</summary>
public sealed class SiloDatabaseTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_transaction_a_silo_leaves_idle_is_ended_by_the_database_and_frees_its_rows()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var silo = SiloDatabase.CreateDataSource(connectionString);
        await using (var table = silo.CreateCommand("CREATE TABLE rows (id int PRIMARY KEY, value int NOT NULL); INSERT INTO rows VALUES (1, 0)"))
            await table.ExecuteNonQueryAsync();

        // As a silo paused between its group commit's batch and its COMMIT: the row stays locked while it is idle.
        await using var paused = await silo.OpenConnectionAsync();
        await using var transaction = await paused.BeginTransactionAsync();
        await using (var update = new NpgsqlCommand("UPDATE rows SET value = 1 WHERE id = 1", paused, transaction))
            await update.ExecuteNonQueryAsync();

        // The silo that takes over writes the same row: it waits only until the database ends the idle transaction.
        var waited = Stopwatch.StartNew();
        await using (var takeover = NpgsqlDataSource.Create(connectionString))
        await using (var update = takeover.CreateCommand("SET lock_timeout = '30s'; UPDATE rows SET value = 2 WHERE id = 1"))
            await update.ExecuteNonQueryAsync();
        Assert.InRange(waited.Elapsed, SiloDatabase.IdleInTransactionTimeout * 0.8, TimeSpan.FromSeconds(30));

        // The paused silo's COMMIT fails instead of applying its write after the takeover's.
        await Assert.ThrowsAnyAsync<Exception>(() => transaction.CommitAsync());
        await using var read = silo.CreateCommand("SELECT value FROM rows WHERE id = 1");
        Assert.Equal(2, await read.ExecuteScalarAsync());
    }
}
