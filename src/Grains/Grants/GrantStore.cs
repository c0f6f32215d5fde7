using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;
using Tollgate.Persistence;

namespace Tollgate.Grains.Grants;

/// <summary>SQL of an account's grants (<c>credit_grants</c>), written in the account's version-fenced writes.</summary>
internal static class GrantStore
{
    private const string Columns = "grant_id, kind, amount, remaining, priority, effective_at, expires_at, created_at, actor, reason, closed_at, closed_as";

    /// <summary>The open grants: something left, not written off.</summary>
    public static async Task<List<Grant>> OpenAsync(NpgsqlDataSource database, string accountId)
    {
        await using var open = database.CreateCommand($"SELECT {Columns} FROM credit_grants WHERE account_id = $1 AND remaining > 0 AND closed_at IS NULL");
        open.Parameters.Add(new NpgsqlParameter { Value = accountId });
        var grants = new List<Grant>();
        await using var reader = await open.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            grants.Add(new Grant(reader.GetString(0), Kind(reader.GetString(1)), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt32(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return grants;
    }

    /// <summary>A stored kind as the constant: an open grant stays in memory with its account, which then holds no copy of the word.</summary>
    private static string Kind(string stored) => stored switch
    {
        GrantKinds.Paid => GrantKinds.Paid,
        GrantKinds.Promotional => GrantKinds.Promotional,
        _ => stored,
    };

    /// <summary>Every grant of the account, or the one named, newest first, as it stands at <paramref name="now"/>.</summary>
    public static async Task<List<GrantView>> ListAsync(NpgsqlDataSource database, string accountId, string? grantId, DateTimeOffset now, int limit)
    {
        await using var list = database.CreateCommand(
            $"SELECT {Columns} FROM credit_grants WHERE account_id = $1 AND ($2::text IS NULL OR grant_id = $2) ORDER BY created_at DESC, grant_id LIMIT $3");
        list.Parameters.Add(new NpgsqlParameter { Value = accountId });
        list.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)grantId ?? DBNull.Value });
        list.Parameters.Add(new NpgsqlParameter { Value = limit });
        var views = new List<GrantView>();
        await using var reader = await list.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (remaining, effective, expires) = (reader.GetInt64(3), reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(6));
            var status = !reader.IsDBNull(11) ? reader.GetString(11)
                : remaining == 0 ? GrantStatus.Used
                : expires <= now ? GrantStatus.Expired // not written off yet: it is, the next time the account is used
                : effective > now ? GrantStatus.Pending
                : GrantStatus.Active;
            views.Add(new GrantView(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), remaining, reader.GetInt32(4), effective, expires, status,
                reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10)));
        }
        return views;
    }

    /// <summary>A new grant with what is left of it (its amount, less any debt it paid).</summary>
    public static GrainWrite NewGrant(this GrainWrite write, string accountId, Grant grant, string? reason, string actor) =>
        write.Guarded("""
            INSERT INTO credit_grants (account_id, grant_id, kind, amount, remaining, priority, effective_at, expires_at, reason, actor)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """, accountId, grant.GrantId, grant.Kind, grant.Amount, grant.Remaining, grant.Priority, grant.EffectiveAt.ToUniversalTime(),
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)grant.ExpiresAt?.ToUniversalTime() ?? DBNull.Value },
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)reason ?? DBNull.Value }, actor);

    /// <summary>What charges or debits drew from existing grants (the debt's part is the balance's alone).</summary>
    public static GrainWrite Drawn(this GrainWrite write, string accountId, IEnumerable<GrantDelta> deltas)
    {
        foreach (var delta in deltas)
        {
            if (delta.GrantId is not null) write.UpdateRow(DrawnRows, accountId, delta.GrantId, delta.Amount);
        }
        return write;
    }

    /// <summary>
    /// Draws of many accounts' grants go as one statement (one per settle was most of a uniform batch's statements), and a busy
    /// account's draws on one grant in one transaction as one row: their sum.
    /// </summary>
    private static readonly RowTable DrawnRows = RowTable.Update("credit_grants", "remaining = credit_grants.remaining + given.amount",
        "credit_grants.account_id = given.account_id AND credit_grants.grant_id = given.grant_id AND credit_grants.closed_at IS NULL",
        ("account_id", "text"), ("grant_id", "text"), ("amount", "bigint"))
        .Combining(keyColumns: 2, (earlier, later) => [earlier[0], earlier[1], (long)earlier[2]! + (long)later[2]!]);

    /// <summary>A grant written off: <c>expired</c> or <c>voided</c>; nothing is left of it.</summary>
    public static GrainWrite Closed(this GrainWrite write, string accountId, string grantId, string closedAs) =>
        write.Guarded("UPDATE credit_grants SET remaining = 0, closed_at = now(), closed_as = $3 WHERE account_id = $1 AND grant_id = $2 AND closed_at IS NULL",
            accountId, grantId, closedAs);

    /// <summary>The <c>ledger.grants</c> column: which grants (or the debt) an entry drew from or added to.</summary>
    public static string? Json(IReadOnlyList<GrantDelta>? deltas) =>
        deltas is null or { Count: 0 } ? null : JsonSerializer.Serialize(deltas, LedgerJson.Default.IReadOnlyListGrantDelta);

    public static IReadOnlyList<GrantDelta>? FromJson(string json) => JsonSerializer.Deserialize(json, LedgerJson.Default.IReadOnlyListGrantDelta);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IReadOnlyList<GrantDelta>))]
internal sealed partial class LedgerJson : JsonSerializerContext;
