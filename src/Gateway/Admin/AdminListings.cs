using Npgsql;
using Tollgate.Gateway.Cluster;
using Tollgate.Grains;

namespace Tollgate.Gateway.Admin;

public sealed record AccountSummary(string AccountId, string Status, long Balance, long OverdraftLimit, DateTimeOffset CreatedAt);

/// <param name="NextAfter">Pass as <c>after</c> for the next page; null on the last one.</param>
public sealed record AccountList(IReadOnlyList<AccountSummary> Accounts, string? NextAfter);

public sealed record ApiKeySummary(string KeyId, string Name, bool Revoked, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

public sealed record ApiKeyList(string AccountId, IReadOnlyList<ApiKeySummary> Keys);

/// <summary>An alert event from the outbox, as written by the grain that crossed its threshold.</summary>
/// <param name="Data">The event's <c>data</c>, JSON text.</param>
public sealed record AlertRecord(string EventId, string Type, string OwnerKind, string OwnerId, DateTimeOffset CreatedAt, string Data);

public sealed record RoutedModel(string Model, string Provider, string UpstreamModel, DateTimeOffset CreatedAt);

/// <summary>
/// Lists for operators, read from what PostgreSQL has committed (like usage queries): what a grain holds in
/// memory and has not committed yet is not in them, and a single account or key's own page is the live view.
/// </summary>
public sealed class AdminListings(NpgsqlDataSource database, ClusterClientSettings? cluster)
{
    public const int MaxPage = 500;

    /// <summary>Accounts in id order, after <paramref name="after"/>, whose id starts with <paramref name="prefix"/>.</summary>
    public async Task<AccountList> AccountsAsync(string? prefix, string? after, int limit)
    {
        await using var query = database.CreateCommand("""
            SELECT account_id, status, balance, overdraft_limit, created_at FROM accounts
            WHERE account_id > $1 AND starts_with(account_id, $2)
            ORDER BY account_id LIMIT $3
            """);
        query.Parameters.Add(new NpgsqlParameter { Value = after ?? "" });
        query.Parameters.Add(new NpgsqlParameter { Value = prefix ?? "" });
        query.Parameters.Add(new NpgsqlParameter { Value = limit + 1 });
        var accounts = new List<AccountSummary>(limit + 1);
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            accounts.Add(new AccountSummary(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetFieldValue<DateTimeOffset>(4)));
        var more = accounts.Count > limit;
        if (more) accounts.RemoveAt(limit);
        return new AccountList(accounts, more ? accounts[^1].AccountId : null);
    }

    /// <summary>An account's API keys, newest first, from the keys' stored state (JSON, see the silo's GrainStateSerializer).</summary>
    public async Task<ApiKeyList> KeysAsync(string accountId)
    {
        await using var query = database.CreateCommand("""
            SELECT substr(grain_key, $4), k->>'Name', (k->>'CreatedAt')::timestamptz, (k->>'RevokedAt')::timestamptz
            FROM orleans_storage, LATERAL (SELECT convert_from(payload, 'UTF8')::jsonb AS k) state
            WHERE service_id = $1 AND state_name = $2 AND payload IS NOT NULL AND k->>'AccountId' = $3
            ORDER BY 3 DESC, 1
            """);
        query.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        query.Parameters.Add(new NpgsqlParameter { Value = GrainStorage.ApiKeyState });
        query.Parameters.Add(new NpgsqlParameter { Value = accountId });
        query.Parameters.Add(new NpgsqlParameter { Value = GrainStorage.KeyPrefix.Length + 1 });
        var keys = new List<ApiKeySummary>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var revokedAt = reader.IsDBNull(3) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(3);
            keys.Add(new ApiKeySummary(reader.GetString(0), reader.GetString(1), revokedAt is not null, reader.GetFieldValue<DateTimeOffset>(2), revokedAt));
        }
        return new ApiKeyList(accountId, keys);
    }

    /// <summary>Models with a route, by name; <paramref name="pricedOnly"/>: only those with a price in force.</summary>
    public async Task<IReadOnlyList<RoutedModel>> RoutedModelsAsync(bool pricedOnly)
    {
        await using var query = database.CreateCommand("""
            SELECT substr(grain_key, $3), m->'Route'->>'Provider', m->'Route'->>'UpstreamModel',
                coalesce((SELECT min((p->>'EffectiveAt')::timestamptz) FROM jsonb_array_elements(m->'Prices') p), modified_at)
            FROM orleans_storage, LATERAL (SELECT convert_from(payload, 'UTF8')::jsonb AS m) state
            WHERE service_id = $1 AND state_name = $2 AND payload IS NOT NULL AND jsonb_typeof(m->'Route') = 'object'
              AND (NOT $4 OR EXISTS (SELECT 1 FROM jsonb_array_elements(m->'Prices') p WHERE (p->>'EffectiveAt')::timestamptz <= now()))
            ORDER BY 1
            """);
        query.Parameters.Add(new NpgsqlParameter { Value = ServiceId });
        query.Parameters.Add(new NpgsqlParameter { Value = GrainStorage.ModelState });
        query.Parameters.Add(new NpgsqlParameter { Value = GrainStorage.KeyPrefix.Length + 1 });
        query.Parameters.Add(new NpgsqlParameter { Value = pricedOnly });
        var models = new List<RoutedModel>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            models.Add(new RoutedModel(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        return models;
    }

    /// <summary>An account's newest alert events (its keys' included), newest first, while the outbox keeps them (Webhooks:Retention).</summary>
    public async Task<IReadOnlyList<AlertRecord>> RecentAlertsAsync(string accountId, int limit)
    {
        await using var query = database.CreateCommand("""
            SELECT event_id, type, owner_kind, owner_id, created_at, payload::text FROM alert_outbox
            WHERE account_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2
            """);
        query.Parameters.Add(new NpgsqlParameter { Value = accountId });
        query.Parameters.Add(new NpgsqlParameter { Value = limit });
        var alerts = new List<AlertRecord>(limit);
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            alerts.Add(new AlertRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5)));
        return alerts;
    }

    private string ServiceId => cluster?.ServiceId ?? new ClusterClientSettings().ServiceId;
}
