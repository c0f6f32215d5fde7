using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Grants;
using Tollgate.Grains.Metering;
using Tollgate.Persistence;
using Tollgate.Silo;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Persistence;

/// <summary>What every settle makes PostgreSQL do, which the schema keeps small (migrations 0015 to 0017).</summary>
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

    /// <summary>
    /// Migration 0017 dropped the foreign keys of the ledger and usage rows, which PostgreSQL checked with a query per row:
    /// the write itself refuses an account that does not exist, as its first statement is the guarded one on the account's row.
    /// </summary>
    [Fact]
    public async Task A_settle_of_an_account_that_does_not_exist_leaves_no_ledger_or_usage_row()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await SiloDatabase.MigrateAsync(connectionString);
        await using var database = NpgsqlDataSource.Create(connectionString);
        await using var committer = new GroupCommitter(database, new GroupCommitOptions(), NullLogger<GroupCommitter>.Instance);
        var price = new Price(1_000, 2_000);
        var usage = new SettleRequest("r-1", "m", null, null, 10, 20, price, null, "ok", false, null, null);
        var settled = new RequestSettled("r-1", "m", 10, 20, price, 50, 0, 50, 0, -50);

        var write = AccountStore.Charge("ghost", -50, 1, null, null)
            .Ledger("settle", "r-1", -50, -50, 50, null, null, null, [new GrantDelta(null, -50)])
            .Usage(usage, settled);
        var refused = await Assert.ThrowsAsync<CommitFailedException>(() => committer.Submit(write, new WriteChain()));

        Assert.Equal(CommitFailure.Conflict, refused.Failure);
        await using var count = database.CreateCommand("SELECT (SELECT count(*) FROM ledger) + (SELECT count(*) FROM usage_events)");
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
