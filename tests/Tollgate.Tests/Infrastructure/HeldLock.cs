using Npgsql;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// Row locks held in an open transaction, so commits that need those rows wait: for tests that look at
/// what happens while a write is pending. Releasing (or disposing) rolls the transaction back.
/// </summary>
public sealed class HeldLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;

    private HeldLock(NpgsqlConnection connection) => _connection = connection;

    /// <summary>Runs <paramref name="lockingSelect"/> (a <c>SELECT … FOR UPDATE</c>) in a transaction left open.</summary>
    public static async Task<HeldLock> TakeAsync(string database, string lockingSelect)
    {
        var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"BEGIN; {lockingSelect}", connection);
        await command.ExecuteNonQueryAsync();
        return new HeldLock(connection);
    }

    public Task ReleaseAsync() => _connection.CloseAsync(); // closing rolls the transaction back

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
