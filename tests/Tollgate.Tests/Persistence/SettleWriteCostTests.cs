using Npgsql;
using Tollgate.Silo;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Persistence;

/// <summary>What every settle makes PostgreSQL do, which the schema keeps small (migration 0015).</summary>
public sealed class SettleWriteCostTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_settle_updates_its_grant_in_place_without_new_index_entries()
    {
        var database = await postgres.CreateDatabaseAsync();
        await SiloDatabase.MigrateAsync(database);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await ExecuteAsync(connection, """
            INSERT INTO accounts (account_id, balance, overdraft_limit, version) VALUES ('acme', 1000000, 0, 1);
            INSERT INTO credit_grants (account_id, grant_id, kind, amount, remaining, priority, effective_at, actor)
            VALUES ('acme', 'g1', 'paid', 1000000, 1000000, 50, now(), 'test');
            """);

        // The statement a settle sends (GrantStore.Drawn), once per request: drawing the grant down to nothing too.
        for (var i = 0; i < 20; i++)
        {
            await ExecuteAsync(connection, "UPDATE credit_grants SET remaining = remaining + -50000 WHERE account_id = 'acme' AND grant_id = 'g1' AND closed_at IS NULL");
        }

        await ExecuteAsync(connection, "SELECT pg_stat_force_next_flush()"); // this session's counts, to the shared statistics now
        await ExecuteAsync(connection, "SELECT pg_stat_clear_snapshot()");
        await using var read = new NpgsqlCommand("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'credit_grants'", connection);
        await using var reader = await read.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(20, reader.GetInt64(0));
        Assert.Equal(20, reader.GetInt64(1)); // heap-only: no index names a column the update changes
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
