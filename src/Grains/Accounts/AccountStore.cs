using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;
using Tollgate.Runtime;
using Tollgate.Runtime.Persistence;

namespace Tollgate.Grains.Accounts;

/// <summary>The account row as loaded on activation.</summary>
internal sealed record StoredAccount(long Balance, long OverdraftLimit, string Status, long Version, DateTimeOffset CreatedAt, List<Reservation> Reservations);

/// <summary>SQL of the account grain: the <c>accounts</c> row (versioned) and its <c>ledger</c>.</summary>
internal static class AccountStore
{
    private const string LedgerColumns = "entry_id, kind, op_key, amount, balance_after, requested, reserved, reason, actor, created_at";

    public static async Task<StoredAccount?> LoadAsync(NpgsqlDataSource database, string accountId)
    {
        StoredAccount account;
        await using (var load = database.CreateCommand(
            "SELECT balance, overdraft_limit, status, version, created_at, reservations::text FROM accounts WHERE account_id = $1"))
        {
            load.Parameters.Add(new NpgsqlParameter { Value = accountId });
            await using var reader = await load.ExecuteReaderAsync();
            if (!await reader.ReadAsync()) return null;
            account = new StoredAccount(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3),
                reader.GetFieldValue<DateTimeOffset>(4), JsonSerializer.Deserialize(reader.GetString(5), StoreJson.Default.ListReservation) ?? []);
        }
        if (account.Reservations.Count == 0) return account;

        // A stored reservation may have been settled after it was flushed: the ledger says which.
        await using var settled = database.CreateCommand(
            "SELECT op_key FROM ledger WHERE account_id = $1 AND kind = 'settle' AND op_key = ANY($2)");
        settled.Parameters.Add(new NpgsqlParameter { Value = accountId });
        settled.Parameters.Add(new NpgsqlParameter { Value = account.Reservations.Select(r => r.RequestId).ToArray() });
        var done = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await settled.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) done.Add(reader.GetString(0));
        }
        account.Reservations.RemoveAll(r => done.Contains(r.RequestId));
        return account;
    }

    public static GrainWrite Insert(GrainId grain, long balance, long overdraftLimit) =>
        new GrainWrite(grain).Guarded("""
            INSERT INTO accounts (account_id, balance, overdraft_limit, version) VALUES ($1, $2, $3, 1)
            ON CONFLICT (account_id) DO NOTHING
            """, grain.Key, balance, overdraftLimit);

    public static GrainWrite Update(GrainId grain, long balance, long expectedVersion) =>
        new GrainWrite(grain).Guarded(
            "UPDATE accounts SET balance = $2, version = $3 + 1, updated_at = now() WHERE account_id = $1 AND version = $3",
            grain.Key, balance, expectedVersion);

    public static GrainWrite UpdateWithReservations(GrainId grain, long balance, long expectedVersion, IEnumerable<Reservation> reservations) =>
        new GrainWrite(grain).Guarded(
            "UPDATE accounts SET balance = $2, version = $3 + 1, reservations = $4, updated_at = now() WHERE account_id = $1 AND version = $3",
            grain.Key, balance, expectedVersion,
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(reservations.ToList(), StoreJson.Default.ListReservation) });

    public static GrainWrite Ledger(this GrainWrite write, string kind, string key, long amount, long balanceAfter, long requested, long? reserved, string? reason, string? actor) =>
        // Guarded, and a duplicate inserts nothing instead of raising: the whole write then conflicts in one
        // pass, so a batch resent after a lost COMMIT is resolved at once rather than one error at a time.
        write.Guarded("""
            INSERT INTO ledger (account_id, kind, op_key, amount, balance_after, requested, reserved, reason, actor)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (account_id, kind, op_key) DO NOTHING
            """, write.Grain.Key, kind, key, amount, balanceAfter, requested, reserved, reason, actor);

    public static async Task<LedgerEntry?> FindAsync(NpgsqlDataSource database, string accountId, string kind, string key)
    {
        await using var find = database.CreateCommand($"SELECT {LedgerColumns} FROM ledger WHERE account_id = $1 AND kind = $2 AND op_key = $3");
        find.Parameters.Add(new NpgsqlParameter { Value = accountId });
        find.Parameters.Add(new NpgsqlParameter { Value = kind });
        find.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await find.ExecuteReaderAsync();
        return await reader.ReadAsync() ? ReadEntry(reader) : null;
    }

    /// <summary>Newest entries first, before <paramref name="before"/> when given.</summary>
    public static async Task<List<LedgerEntry>> PageAsync(NpgsqlDataSource database, string accountId, int limit, long? before)
    {
        await using var page = database.CreateCommand(
            $"SELECT {LedgerColumns} FROM ledger WHERE account_id = $1 AND entry_id < $2 ORDER BY entry_id DESC LIMIT $3");
        page.Parameters.Add(new NpgsqlParameter { Value = accountId });
        page.Parameters.Add(new NpgsqlParameter { Value = before ?? long.MaxValue });
        page.Parameters.Add(new NpgsqlParameter { Value = limit });
        var entries = new List<LedgerEntry>(limit);
        await using var reader = await page.ExecuteReaderAsync();
        while (await reader.ReadAsync()) entries.Add(ReadEntry(reader));
        return entries;
    }

    private static LedgerEntry ReadEntry(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5),
        reader.IsDBNull(6) ? null : reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9));
}

[JsonSerializable(typeof(List<Reservation>))]
internal sealed partial class StoreJson : JsonSerializerContext;
