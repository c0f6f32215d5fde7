using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Tollgate.Grains.Budgets;
using Tollgate.Grains.Grants;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Npgsql;
using NpgsqlTypes;

using Tollgate.Persistence;

namespace Tollgate.Grains.Accounts;

/// <summary>The account row as loaded on activation.</summary>
internal sealed record StoredAccount(
    long Balance, long OverdraftLimit, AccountSettings Settings, long Version, DateTimeOffset CreatedAt, List<Reservation> Reservations, LimiterState? Windows,
    List<BudgetDefinition> Budgets, Dictionary<string, StoredSpend> BudgetSpend, List<Grant> Grants);

/// <summary>The account's fields an operator sets, and its trial: written with the balance on every update.</summary>
/// <param name="TimeZone">The IANA zone of its calendar budgets; null is UTC.</param>
/// <param name="Alerts">Its balance alerts; null: the defaults. Written by its own write, not with every update.</param>
internal sealed record AccountSettings(string Status, LimitSettings Limits, Trial? Trial, string? TimeZone = null, Alerts.AlertSettings? Alerts = null)
{
    public static readonly AccountSettings Initial = new(AccountStatus.Active, LimitSettings.None, null);
}

/// <summary>SQL of the account grain: the <c>accounts</c> row (versioned) and its <c>ledger</c>.</summary>
internal static class AccountStore
{
    private const string LedgerColumns = "entry_id, kind, op_key, amount, balance_after, requested, reserved, reason, actor, created_at, grants::text";

    public static async Task<StoredAccount?> LoadAsync(NpgsqlDataSource database, string accountId)
    {
        StoredAccount account;
        await using (var load = database.CreateCommand(
            """
            SELECT balance, overdraft_limit, status, version, created_at, reservations::text, limits::text, trial::text, windows::text, time_zone,
                budgets::text, budget_spend::text, alerts::text
            FROM accounts WHERE account_id = $1
            """))
        {
            load.Parameters.Add(new NpgsqlParameter { Value = accountId });
            await using var reader = await load.ExecuteReaderAsync();
            if (!await reader.ReadAsync()) return null;
            var settings = new AccountSettings(reader.GetString(2),
                reader.IsDBNull(6) ? LimitSettings.None : JsonSerializer.Deserialize(reader.GetString(6), StoreJson.Default.LimitSettings)!,
                reader.IsDBNull(7) ? null : JsonSerializer.Deserialize(reader.GetString(7), StoreJson.Default.Trial), reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(12) ? null : JsonSerializer.Deserialize(reader.GetString(12), StoreJson.Default.AlertSettings));
            account = new StoredAccount(reader.GetInt64(0), reader.GetInt64(1), settings, reader.GetInt64(3),
                reader.GetFieldValue<DateTimeOffset>(4), Holds(reader.GetString(5)),
                reader.IsDBNull(8) ? null : LimiterState.FromJson(System.Text.Encoding.UTF8.GetBytes(reader.GetString(8))),
                reader.IsDBNull(10) ? [] : JsonSerializer.Deserialize(reader.GetString(10), StoreJson.Default.ListBudgetDefinition) ?? [],
                JsonSerializer.Deserialize(reader.GetString(11), StoreJson.Default.DictionaryStringStoredSpend) ?? new(StringComparer.Ordinal), []);
        }
        account.Grants.AddRange(await GrantStore.OpenAsync(database, accountId));
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

    /// <summary>Who writes for an account, as the group committer names it.</summary>
    public static string Owner(string accountId) => $"account/{accountId}";

    public static GrainWrite Insert(string accountId, long balance, long overdraftLimit) =>
        new GrainWrite(Owner(accountId)).Guarded("""
            INSERT INTO accounts (account_id, balance, overdraft_limit, version) VALUES ($1, $2, $3, 1)
            ON CONFLICT (account_id) DO NOTHING
            """, accountId, balance, overdraftLimit);

    /// <summary>
    /// The account row after a change, fenced by its version: it changes nothing unless the stored version
    /// is still <paramref name="expectedVersion"/>, so a write from a stale or duplicate activation (one that
    /// loaded an older row, or lost a race) conflicts and nothing of it is committed.
    /// </summary>
    /// <param name="spend">Budget spend entries that changed (merged into the stored ones), if any.</param>
    public static GrainWrite Update(string accountId, long balance, AccountSettings settings, long expectedVersion, Dictionary<string, StoredSpend>? spend = null) =>
        new GrainWrite(Owner(accountId)).Guarded("""
            UPDATE accounts SET balance = $2, status = $3, limits = $4, trial = $5, time_zone = $7, budget_spend = coalesce(budget_spend || $8, budget_spend),
                version = $6 + 1, updated_at = now()
            WHERE account_id = $1 AND version = $6
            """, accountId, balance, settings.Status, Json(settings.Limits, StoreJson.Default.LimitSettings), Json(settings.Trial, StoreJson.Default.Trial), expectedVersion,
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)settings.TimeZone ?? DBNull.Value },
            Json(spend, StoreJson.Default.DictionaryStringStoredSpend));

    /// <summary>
    /// The account row after a charge, fenced by its version as <see cref="Update"/>: only what a charge changes (the balance, the
    /// trial it used, the budget spend it added), so the settings need not be serialized and parsed again on every settle.
    /// </summary>
    /// <param name="trial">The trial after the charge used it; null: the charge did not touch it.</param>
    public static GrainWrite Charge(string accountId, long balance, long expectedVersion, Trial? trial, Dictionary<string, StoredSpend>? spend) =>
        new GrainWrite(Owner(accountId)).UpdateRow(ChargeRows, accountId, balance, expectedVersion, expectedVersion + 1,
            trial is null ? null : JsonSerializer.Serialize(trial, StoreJson.Default.Trial),
            spend is null ? null : JsonSerializer.Serialize(spend, StoreJson.Default.DictionaryStringStoredSpend));

    /// <summary>
    /// Charges of many accounts go as one statement (see <see cref="Charge"/>), and a busy account's charges in one transaction as
    /// one row: the last balance and trial, fenced by the first one's version, for the last one's next, with both's budget spend
    /// (the later's entries over the earlier's, as the statement's <c>||</c> puts them over the row's).
    /// </summary>
    private static readonly RowTable ChargeRows = RowTable.Update("accounts",
        """
        balance = given.balance, trial = coalesce(given.trial, accounts.trial),
            budget_spend = coalesce(accounts.budget_spend || given.spend, accounts.budget_spend), version = given.next_version, updated_at = now()
        """,
        "accounts.account_id = given.account_id AND accounts.version = given.version",
        ("account_id", "text"), ("balance", "bigint"), ("version", "bigint"), ("next_version", "bigint"), ("trial", "jsonb"), ("spend", "jsonb"))
        .Combining(keyColumns: 1, (earlier, later) =>
            !Equals(earlier[3], later[2]) ? null
            : [earlier[0], later[1], earlier[2], later[3], later[4] ?? earlier[4], Over((string?)earlier[5], (string?)later[5])]);

    /// <summary>JSON object <paramref name="later"/>'s entries over <paramref name="earlier"/>'s (PostgreSQL's <c>jsonb || jsonb</c>).</summary>
    private static string? Over(string? earlier, string? later)
    {
        if (earlier is null || later is null) return later ?? earlier;
        var merged = JsonNode.Parse(earlier)!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(later)!.AsObject()) merged[name] = value?.DeepClone();
        return merged.ToJsonString();
    }

    /// <summary>The account's budgets after one was set or deleted (or recounted), with all their spend.</summary>
    public static GrainWrite UpdateBudgets(string accountId, long balance, AccountSettings settings, long expectedVersion, BudgetBook budgets) =>
        new GrainWrite(Owner(accountId)).Guarded("""
            UPDATE accounts SET balance = $2, time_zone = $3, budgets = $4, budget_spend = $5, version = $6 + 1, updated_at = now()
            WHERE account_id = $1 AND version = $6
            """, accountId, balance, new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)settings.TimeZone ?? DBNull.Value },
            Json(budgets.Count == 0 ? null : budgets.Definitions, StoreJson.Default.ListBudgetDefinition), Json(budgets.Spend, StoreJson.Default.DictionaryStringStoredSpend),
            expectedVersion);

    public static GrainWrite UpdateAlerts(string accountId, long balance, long expectedVersion, Alerts.AlertSettings alerts) =>
        new GrainWrite(Owner(accountId)).Guarded(
            "UPDATE accounts SET balance = $2, alerts = $3, version = $4 + 1, updated_at = now() WHERE account_id = $1 AND version = $4",
            accountId, balance, Json(alerts, StoreJson.Default.AlertSettings), expectedVersion);

    /// <summary>
    /// What settled requests of the account (or of its key) cost and used, counted by when each was authorized
    /// (or recorded, without an authorize), from <paramref name="start"/> up to <paramref name="end"/>.
    /// </summary>
    /// <remarks>
    /// The account's (or key's) <c>created_at</c> index finds them: a request is recorded after it was authorized, so
    /// its <c>created_at</c> (PostgreSQL's clock) is not before <paramref name="start"/> by more than the silo's clock
    /// ran ahead of PostgreSQL's. An hour covers any clock a fleet keeps in sync (migration 0016).
    /// </remarks>
    public static async Task<Spend> SpentAsync(NpgsqlDataSource database, string accountId, string? keyId, DateTimeOffset start, DateTimeOffset end)
    {
        await using var sum = database.CreateCommand($"""
            SELECT coalesce(sum(cost), 0)::bigint, coalesce(sum(input_tokens + output_tokens), 0)::bigint FROM usage_events
            WHERE {(keyId is null ? "account_id = $1" : "key_id = $4 AND account_id = $1")} AND created_at >= $2 - interval '1 hour' AND denial IS NULL
              AND coalesce(authorized_at, created_at) >= $2 AND coalesce(authorized_at, created_at) < $3
            """);
        sum.Parameters.Add(new NpgsqlParameter { Value = accountId });
        sum.Parameters.Add(new NpgsqlParameter { Value = start.ToUniversalTime() }); // Npgsql writes timestamptz from UTC offsets only
        sum.Parameters.Add(new NpgsqlParameter { Value = end.ToUniversalTime() });
        if (keyId is not null) sum.Parameters.Add(new NpgsqlParameter { Value = keyId });
        await using var reader = await sum.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new Spend(reader.GetInt64(0), reader.GetInt64(1));
    }

    public static GrainWrite UpdateWithReservations(string accountId, long balance, long expectedVersion, IEnumerable<Reservation> reservations) =>
        new GrainWrite(Owner(accountId)).Guarded(
            "UPDATE accounts SET balance = $2, version = $3 + 1, reservations = $4, updated_at = now() WHERE account_id = $1 AND version = $3",
            accountId, balance, expectedVersion, Json(reservations.ToList(), StoreJson.Default.ListReservation));

    /// <summary>A checkpoint: the holds and the rate windows, fenced by the account's version as every write of it.</summary>
    public static GrainWrite Checkpoint(string accountId, long balance, long expectedVersion, IEnumerable<Reservation> reservations, LimiterState windows) =>
        new GrainWrite(Owner(accountId)).Guarded(
            "UPDATE accounts SET balance = $2, version = $3 + 1, reservations = $4, windows = $5, updated_at = now() WHERE account_id = $1 AND version = $3",
            accountId, balance, expectedVersion, Json(reservations.ToList(), StoreJson.Default.ListReservation),
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = System.Text.Encoding.UTF8.GetString(windows.ToJson()) });

    /// <summary>Holds as stored (and as a migration carries them).</summary>
    public static List<Reservation> Holds(string json) => JsonSerializer.Deserialize(json, StoreJson.Default.ListReservation) ?? [];

    public static string HoldsJson(IEnumerable<Reservation> reservations) => JsonSerializer.Serialize(reservations.ToList(), StoreJson.Default.ListReservation);

    private static NpgsqlParameter Json<T>(T? value, JsonTypeInfo<T> type) =>
        new() { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = value is null ? DBNull.Value : JsonSerializer.Serialize(value, type) };

    /// <summary>Ledger entries: a duplicate (the same operation again) inserts nothing.</summary>
    private static readonly RowTable LedgerRows = RowTable.Insert("ledger", "ON CONFLICT (account_id, kind, op_key) DO NOTHING",
        ("account_id", "text"), ("kind", "text"), ("op_key", "text"), ("amount", "bigint"), ("balance_after", "bigint"), ("requested", "bigint"),
        ("reserved", "bigint"), ("reason", "text"), ("actor", "text"), ("grants", "jsonb"));

    /// <summary>Usage events of settled requests: a request settled again inserts nothing.</summary>
    private static readonly RowTable UsageRows = RowTable.Insert("usage_events", "ON CONFLICT (account_id, request_id) WHERE denial IS NULL DO NOTHING",
        ("account_id", "text"), ("request_id", "text"), ("key_id", "text"), ("caller_ip", "text"), ("model", "text"), ("input_tokens", "bigint"),
        ("output_tokens", "bigint"), ("input_price", "bigint"), ("output_price", "bigint"), ("cost", "bigint"), ("trial_used", "bigint"), ("charged", "bigint"),
        ("outcome", "text"), ("streamed", "boolean"), ("latency_ms", "integer"), ("authorized_at", "timestamptz"), ("estimated", "boolean"),
        ("cached_input_tokens", "bigint"), ("cache_write_5m_tokens", "bigint"), ("cache_write_1h_tokens", "bigint"), ("reasoning_tokens", "bigint"),
        ("audio_input_tokens", "bigint"), ("audio_output_tokens", "bigint"), ("price_extras", "jsonb"));

    /// <param name="grants">Which grants (or the debt) the entry drew from or added to; they add up to <paramref name="amount"/>.</param>
    public static GrainWrite Ledger(this GrainWrite write, string kind, string key, long amount, long balanceAfter, long requested, long? reserved, string? reason, string? actor,
        IReadOnlyList<GrantDelta>? grants)
    {
        if (grants is not null && grants.Sum(delta => delta.Amount) != amount)
            throw new InvalidOperationException($"Ledger invariant violated: the grants of entry {kind}/{key} add up to {grants.Sum(delta => delta.Amount)}, not {amount}.");
        // Guarded, and a duplicate inserts nothing instead of raising: the whole write then conflicts in one
        // pass, so a batch resent after a lost COMMIT is resolved at once rather than one error at a time.
        return write.InsertRow(LedgerRows, AccountIdOf(write), kind, key, amount, balanceAfter, requested, reserved, reason, actor, GrantStore.Json(grants));
    }

    /// <summary>The usage event of a settled request, written with its ledger row, at the price it was charged (the result's).</summary>
    public static GrainWrite Usage(this GrainWrite write, SettleRequest usage, RequestSettled result)
    {
        var parts = usage.Details ?? TokenDetails.None;
        var price = result.Price;
        return write.InsertRow(UsageRows, AccountIdOf(write), usage.RequestId, usage.KeyId, usage.CallerIp, usage.Model, usage.InputTokens, usage.OutputTokens,
            price.InputPerMillion, price.OutputPerMillion, result.Cost, result.TrialUsed, result.Charged, usage.Outcome, usage.Streamed,
            usage.LatencyMs, usage.AuthorizedAt, usage.Estimated,
            parts.CachedInput, parts.CacheWrite5m, parts.CacheWrite1h, parts.Reasoning, parts.AudioInput, parts.AudioOutput,
            price.Extras is null ? null : JsonSerializer.Serialize(price.Extras, UsageJson.Default.PriceExtras));
    }

    private static string AccountIdOf(GrainWrite write) => write.Owner["account/".Length..];

    /// <summary>The result of a settled request, rebuilt from its usage event and ledger row.</summary>
    public static async Task<RequestSettled?> FindSettledAsync(NpgsqlDataSource database, string accountId, string requestId)
    {
        await using var find = database.CreateCommand("""
            SELECT u.model, u.input_tokens, u.output_tokens, u.input_price, u.output_price, u.cost, u.trial_used, u.charged, l.balance_after,
                u.cached_input_tokens, u.cache_write_5m_tokens, u.cache_write_1h_tokens, u.reasoning_tokens, u.audio_input_tokens, u.audio_output_tokens, u.price_extras
            FROM usage_events u JOIN ledger l ON l.account_id = u.account_id AND l.kind IN ('settle', 'usage') AND l.op_key = u.request_id
            WHERE u.account_id = $1 AND u.request_id = $2 AND u.denial IS NULL
            """);
        find.Parameters.Add(new NpgsqlParameter { Value = accountId });
        find.Parameters.Add(new NpgsqlParameter { Value = requestId });
        await using var reader = await find.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return null;
        var (cost, trialUsed, charged) = (reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
        var details = new TokenDetails(reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14));
        var extras = reader.IsDBNull(15) ? null : JsonSerializer.Deserialize(reader.GetString(15), UsageJson.Default.PriceExtras);
        return new RequestSettled(requestId, reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), new Price(reader.GetInt64(3), reader.GetInt64(4), extras),
            cost, trialUsed, charged, cost - trialUsed - charged, reader.GetInt64(8), Details: details.OrNull());
    }

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
        reader.IsDBNull(8) ? null : reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9), reader.IsDBNull(10) ? null : GrantStore.FromJson(reader.GetString(10)));
}

[JsonSerializable(typeof(List<Reservation>))]
[JsonSerializable(typeof(LimitSettings))]
[JsonSerializable(typeof(Trial))]
[JsonSerializable(typeof(List<BudgetDefinition>))]
[JsonSerializable(typeof(Dictionary<string, StoredSpend>))]
[JsonSerializable(typeof(Alerts.AlertSettings))]
internal sealed partial class StoreJson : JsonSerializerContext;

/// <summary>The usage row's JSON, in the snake case of its columns and of the API (<c>price_extras</c>).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PriceExtras))]
internal sealed partial class UsageJson : JsonSerializerContext;
