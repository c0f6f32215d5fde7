using Npgsql;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// Row locks held in an open transaction, so commits that need those rows wait: for tests that look at
/// what happens while a write is pending. Releasing (or disposing) rolls the transaction back.
/// </summary>
public sealed class HeldLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly string _database;

    private HeldLock(NpgsqlConnection connection, string database) => (_connection, _database) = (connection, database);

    /// <summary>Runs <paramref name="lockingSelect"/> (a <c>SELECT … FOR UPDATE</c>, a <c>LOCK TABLE</c>) in a transaction left open.</summary>
    public static async Task<HeldLock> TakeAsync(string database, string lockingSelect)
    {
        var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"BEGIN; {lockingSelect}", connection);
        await command.ExecuteNonQueryAsync();
        return new HeldLock(connection, database);
    }

    /// <summary>Waits until some other session of the database is waiting for a lock (a commit blocked by this one).</summary>
    public Task WaitUntilBlockingAsync() => Eventually.TrueAsync(async () => await Ledger.ScalarAsync(_database,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0, "no commit waited for the lock");

    public Task ReleaseAsync() => _connection.CloseAsync(); // closing rolls the transaction back

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
