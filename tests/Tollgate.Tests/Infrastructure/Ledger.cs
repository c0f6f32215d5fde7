using Npgsql;

namespace Tollgate.Tests.Infrastructure;

/// <summary>Reads the committed money of an account straight from PostgreSQL, for checking invariants.</summary>
public static class Ledger
{
    public sealed record Totals(long Balance, long LedgerSum, long Entries);

    public static async Task<Totals> ReadAsync(string connectionString, string accountId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT a.balance, COALESCE(SUM(l.amount), 0)::bigint, COUNT(l.entry_id)
            FROM accounts a LEFT JOIN ledger l ON l.account_id = a.account_id
            WHERE a.account_id = $1 GROUP BY a.balance
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) throw new InvalidOperationException($"No account {accountId}.");
        return new Totals(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>The single value a query returns, as a long.</summary>
    public static async Task<long> ScalarAsync(string connectionString, string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>The requests a stored rate-limit checkpoint counts (0 when there is none); <paramref name="checkpoint"/> selects it.</summary>
    public static Task<long> CheckpointedRequestsAsync(string connectionString, string checkpoint) => ScalarAsync(connectionString,
        $"SELECT coalesce((SELECT sum(c::bigint) FROM jsonb_array_elements_text(({checkpoint}) -> 'Requests' -> 'Counts') c), 0)");

    /// <summary>The single text a query returns (null for SQL NULL).</summary>
    public static async Task<string?> TextAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync() as string;
    }

    /// <summary>The rows a query returns as (text key, long value) pairs: a whole table's worth checked in one round trip.</summary>
    public static async Task<Dictionary<string, long>> PairsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var pairs = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync()) pairs.Add(reader.GetString(0), reader.GetInt64(1));
        return pairs;
    }

    /// <summary>Runs a statement (a test's change of the schema, say).</summary>
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The money invariants of every account, straight from the tables: the ledger sums to the balance; each entry's grants
    /// add up to its amount; each grant holds what its entries gave and took (a migrated balance began with its amount);
    /// and no balance exceeds what its open grants hold (the rest is debt).
    /// </summary>
    public static async Task AssertExactAsync(string connectionString)
    {
        Assert.Equal(0, await ScalarAsync(connectionString,
            "SELECT count(*) FROM accounts a WHERE a.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger l WHERE l.account_id = a.account_id)"));
        Assert.Equal(0, await ScalarAsync(connectionString,
            "SELECT count(*) FROM ledger l WHERE l.grants IS NOT NULL AND l.amount <> (SELECT sum((d ->> 'amount')::bigint) FROM jsonb_array_elements(l.grants) d)"));
        Assert.Equal(0, await ScalarAsync(connectionString, """
            SELECT count(*) FROM credit_grants g
            WHERE g.remaining <> (CASE WHEN g.actor = 'migration' THEN g.amount ELSE 0 END) + coalesce((
                SELECT sum((d ->> 'amount')::bigint) FROM ledger l, jsonb_array_elements(l.grants) d
                WHERE l.account_id = g.account_id AND d ->> 'grant_id' = g.grant_id), 0)
            """));
        Assert.Equal(0, await ScalarAsync(connectionString,
            "SELECT count(*) FROM accounts a WHERE a.balance > (SELECT coalesce(sum(remaining), 0) FROM credit_grants g WHERE g.account_id = a.account_id AND g.closed_at IS NULL)"));
    }
}
