using Npgsql;
using Tollgate.Grains;

namespace Tollgate.Bench.Memory;

/// <summary>
/// Rows that give activations real state to load, written in bulk by SQL (generate_series), as the
/// grains would have stored them. Grain state documents use the grains' own JSON names (PascalCase).
/// </summary>
internal sealed class MemorySeed(NpgsqlDataSource database)
{
    public const long Credit = 1_000_000_000_000; // 1,000 USD each

    /// <summary>Accounts <c>{prefix}{i}</c> for i in [from, to); <paramref name="limitsJson"/> null: no limits of their own.</summary>
    public Task AccountsAsync(string prefix, int from, int to, string? limitsJson) => ExecuteAsync("""
        INSERT INTO accounts (account_id, balance, overdraft_limit, version, limits)
        SELECT $1 || i, $4, 0, 1, $5::jsonb FROM generate_series($2, $3 - 1) i
        """, prefix, from, to, Credit, (object?)limitsJson ?? DBNull.Value);

    /// <summary>API keys with 16-hex-digit ids (<see cref="KeyId"/>), each with a secret hash, a name and an owner account.</summary>
    public Task ApiKeysAsync(int from, int to) => ExecuteAsync("""
        INSERT INTO grain_state (grain_type, grain_key, version, state)
        SELECT $1, lpad(to_hex(i), 16, '0'), 1, jsonb_build_object(
            'AccountId', 'acct-' || i, 'SecretHash', encode(sha256(('secret-' || i)::bytea), 'hex'), 'Name', 'bench key ' || i,
            'CreatedAt', now(), 'RevokedAt', null, 'Actor', 'bench')
        FROM generate_series($2, $3 - 1) i
        """, GrainTypes.ApiKey, from, to);

    /// <summary>Models <c>model-{i}</c>, each with one price in force.</summary>
    public Task ModelsAsync(int from, int to) => ExecuteAsync("""
        INSERT INTO grain_state (grain_type, grain_key, version, state)
        SELECT $1, 'model-' || i, 1, jsonb_build_object('Prices', jsonb_build_array(jsonb_build_object(
            'InputPerMillion', 2000000, 'OutputPerMillion', 8000000, 'EffectiveAt', '2026-01-01T00:00:00+00:00', 'Actor', 'bench')))
        FROM generate_series($2, $3 - 1) i
        """, GrainTypes.Model, from, to);

    /// <summary>Fresh planner statistics after a bulk load, so activation reads use the primary keys.</summary>
    public async Task AnalyzeAsync()
    {
        await ExecuteAsync("ANALYZE accounts");
        await ExecuteAsync("ANALYZE grain_state");
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
