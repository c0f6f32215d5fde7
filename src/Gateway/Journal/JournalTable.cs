using Npgsql;
using NpgsqlTypes;

namespace Tollgate.Gateway.Journal;

/// <summary>
/// The <c>settlement_journal</c> table, shared by every gateway: entries go in idempotently by (account, request id),
/// are claimed for a while by the gateway applying them (so gateways do not repeat each other's work, though a repeat
/// would charge nothing more), and leave once applied.
/// </summary>
internal sealed class JournalTable(NpgsqlDataSource database)
{
    /// <summary>How long a claimed entry is left to the gateway that claimed it, should that gateway die.</summary>
    private static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(1);

    public async Task InsertAsync(IReadOnlyList<JournaledSettlement> entries, CancellationToken cancel = default)
    {
        await using var insert = database.CreateCommand("""
            INSERT INTO settlement_journal (account_id, request_id, entry, journaled_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::timestamptz[])
            ON CONFLICT (account_id, request_id) DO NOTHING
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = entries.Select(entry => entry.Token.AccountId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = entries.Select(entry => entry.Token.RequestId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = entries.Select(entry => System.Text.Encoding.UTF8.GetString(entry.ToJson())).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        insert.Parameters.Add(new NpgsqlParameter { Value = entries.Select(entry => entry.JournaledAt.UtcDateTime).ToArray() });
        await insert.ExecuteNonQueryAsync(cancel);
    }

    /// <summary>Claims up to <paramref name="limit"/> waiting entries, oldest first, that no live claim holds.</summary>
    public async Task<List<JournaledSettlement>> ClaimAsync(int limit, CancellationToken cancel)
    {
        await using var claim = database.CreateCommand("""
            UPDATE settlement_journal SET claimed_until = now() + $2, attempts = attempts + 1
            WHERE (account_id, request_id) IN (
                SELECT account_id, request_id FROM settlement_journal
                WHERE failed_at IS NULL AND claimed_until < now()
                ORDER BY journaled_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING entry::text
            """);
        claim.Parameters.Add(new NpgsqlParameter { Value = limit });
        claim.Parameters.Add(new NpgsqlParameter { Value = ClaimLease });
        List<JournaledSettlement> claimed = [];
        await using var reader = await claim.ExecuteReaderAsync(cancel);
        while (await reader.ReadAsync(cancel)) claimed.Add(JournaledSettlement.FromJson(System.Text.Encoding.UTF8.GetBytes(reader.GetString(0))));
        return claimed;
    }

    /// <summary>Removes entries that were applied.</summary>
    public Task DeleteAsync(IReadOnlyList<JournaledSettlement> applied, CancellationToken cancel) => ExecuteAsync("""
        DELETE FROM settlement_journal j USING unnest($1::text[], $2::text[]) AS a(account_id, request_id)
        WHERE j.account_id = a.account_id AND j.request_id = a.request_id
        """, applied, null, cancel);

    /// <summary>Makes entries whose settle failed for now due again at the next pass.</summary>
    public Task ReleaseAsync(IReadOnlyList<JournaledSettlement> pending, CancellationToken cancel) => ExecuteAsync("""
        UPDATE settlement_journal j SET claimed_until = '-infinity' FROM unnest($1::text[], $2::text[]) AS a(account_id, request_id)
        WHERE j.account_id = a.account_id AND j.request_id = a.request_id
        """, pending, null, cancel);

    /// <summary>Marks an entry the account refused for good: it stays, with its error, for an operator.</summary>
    public Task FailAsync(JournaledSettlement entry, string error, CancellationToken cancel) => ExecuteAsync("""
        UPDATE settlement_journal j SET failed_at = now(), error = $3 FROM unnest($1::text[], $2::text[]) AS a(account_id, request_id)
        WHERE j.account_id = a.account_id AND j.request_id = a.request_id
        """, [entry], error, cancel);

    /// <summary>Entries waiting (the whole fleet's), the oldest one's age, and entries that failed for good.</summary>
    public async Task<(long Waiting, TimeSpan OldestAge, long Failed)> MeasureAsync(CancellationToken cancel)
    {
        await using var measure = database.CreateCommand("""
            SELECT count(*) FILTER (WHERE failed_at IS NULL),
                   COALESCE(EXTRACT(EPOCH FROM now() - min(journaled_at) FILTER (WHERE failed_at IS NULL)), 0)::float8,
                   count(*) FILTER (WHERE failed_at IS NOT NULL)
            FROM settlement_journal
            """);
        await using var reader = await measure.ExecuteReaderAsync(cancel);
        await reader.ReadAsync(cancel);
        return (reader.GetInt64(0), TimeSpan.FromSeconds(Math.Max(0, reader.GetDouble(1))), reader.GetInt64(2));
    }

    private async Task ExecuteAsync(string sql, IReadOnlyList<JournaledSettlement> entries, string? error, CancellationToken cancel)
    {
        if (entries.Count == 0) return;
        await using var command = database.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(entry => entry.Token.AccountId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(entry => entry.Token.RequestId).ToArray() });
        if (error is not null) command.Parameters.Add(new NpgsqlParameter { Value = error });
        await command.ExecuteNonQueryAsync(cancel);
    }
}
