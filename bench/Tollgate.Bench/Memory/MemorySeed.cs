using Npgsql;

namespace Tollgate.Bench.Memory;

/// <summary>
/// Rows that give activations real state to load, written in bulk by SQL (generate_series), as the grains
/// would have stored them: accounts in <c>accounts</c>; API keys and models in Orleans' grain storage table
/// (<c>orleans_storage</c>), as the silo's storage keeps them: the state name, the key with its <c>s:</c>
/// prefix (AdoNetStorageAdapter in the silo), and the state's JSON (the grains' own PascalCase names).
/// </summary>
internal sealed class MemorySeed(NpgsqlDataSource database, string serviceId)
{
    public const long Credit = 1_000_000_000_000; // 1,000 USD each

    /// <summary>Accounts <c>{prefix}{i}</c> for i in [from, to); <paramref name="limitsJson"/> null: no limits of their own.</summary>
    public Task AccountsAsync(string prefix, int from, int to, string? limitsJson) => ExecuteAsync("""
        WITH created AS (
            INSERT INTO accounts (account_id, balance, overdraft_limit, version, limits)
            SELECT $1 || i, $4, 0, 1, $5::jsonb FROM generate_series($2, $3 - 1) i
            RETURNING account_id)
        -- Every credit is a grant (an account whose balance its open grants do not hold refuses to activate).
        INSERT INTO credit_grants (account_id, grant_id, kind, amount, remaining, priority, effective_at, reason, actor)
        SELECT account_id, 'initial', 'paid', $4, $4, 50, now(), 'initial credit', 'bench' FROM created
        """, prefix, from, to, Credit, (object?)limitsJson ?? DBNull.Value);

    /// <summary>API keys with 16-hex-digit ids (<see cref="KeyId"/>), each with a secret hash, a name and an owner account.</summary>
    public Task ApiKeysAsync(int from, int to) => ExecuteAsync("""
        INSERT INTO orleans_storage (service_id, state_name, grain_id_n0, grain_id_n1, grain_key, payload, version)
        SELECT $1, 'apikey', 0, 0, 's:' || lpad(to_hex(i), 16, '0'), convert_to(jsonb_build_object(
            'AccountId', 'acct-' || i, 'SecretHash', encode(sha256(('secret-' || i)::bytea), 'hex'), 'Name', 'bench key ' || i,
            'CreatedAt', now(), 'RevokedAt', null, 'Actor', 'bench')::text, 'UTF8'), 1
        FROM generate_series($2, $3 - 1) i
        """, serviceId, from, to);

    /// <summary>Models <c>model-{i}</c>, each with one price in force.</summary>
    public Task ModelsAsync(int from, int to) => ExecuteAsync("""
        INSERT INTO orleans_storage (service_id, state_name, grain_id_n0, grain_id_n1, grain_key, payload, version)
        SELECT $1, 'model', 0, 0, 's:model-' || i, convert_to(jsonb_build_object('Prices', jsonb_build_array(jsonb_build_object(
            'InputPerMillion', 2000000, 'OutputPerMillion', 8000000, 'EffectiveAt', '2026-01-01T00:00:00+00:00', 'Actor', 'bench')))::text, 'UTF8'), 1
        FROM generate_series($2, $3 - 1) i
        """, serviceId, from, to);

    /// <summary>Fresh planner statistics after a bulk load, so activation reads use the primary keys.</summary>
    public async Task AnalyzeAsync()
    {
        await ExecuteAsync("ANALYZE accounts");
        await ExecuteAsync("ANALYZE orleans_storage");
    }

    public static string KeyId(int i) => i.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var command = database.CreateCommand(sql);
        command.CommandTimeout = 600; // a million rows take a while on a small machine
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync();
    }
}
