using System.Globalization;
using Npgsql;
using Tollgate.Gateway.Api;

namespace Tollgate.Gateway.Usage;

/// <summary>Totals of a set of usage events.</summary>
/// <param name="Estimated">Requests charged by the proxy's own token count (the provider reported no usage).</param>
/// <param name="Kinds">Of the input and output tokens, the kinds priced apart.</param>
public sealed record UsageTotals(long Requests, long Denied, long InputTokens, long OutputTokens, long TotalTokens, long Cost, long TrialUsed, long Charged, long Estimated,
    TokenKindTotals Kinds)
{
    /// <summary>Cached input tokens per input token (0 with no input).</summary>
    public double CachedShare => InputTokens == 0 ? 0 : (double)Kinds.CachedInputTokens / InputTokens;

    /// <summary>Reasoning tokens per output token (0 with no output).</summary>
    public double ReasoningShare => OutputTokens == 0 ? 0 : (double)Kinds.ReasoningTokens / OutputTokens;
}

/// <summary>The parts of the input (cached, cache writes, audio) and output (reasoning, audio) tokens priced apart.</summary>
public sealed record TokenKindTotals(
    long CachedInputTokens,
    [property: System.Text.Json.Serialization.JsonPropertyName("cache_write_5m_tokens")] long CacheWrite5mTokens,
    [property: System.Text.Json.Serialization.JsonPropertyName("cache_write_1h_tokens")] long CacheWrite1hTokens,
    long ReasoningTokens, long AudioInputTokens, long AudioOutputTokens);

/// <summary>One group: its key (by <c>group_by</c> dimension) and its totals.</summary>
public sealed record UsageGroup(IReadOnlyDictionary<string, string?> Key, UsageTotals Totals);

public sealed record UsageReport(DateTimeOffset Since, DateTimeOffset Until, IReadOnlyList<string> GroupBy, UsageTotals Totals, IReadOnlyList<UsageGroup> Groups, bool Truncated);

/// <summary>
/// A usage query over <c>usage_events</c>: a time window, optional filters and groups. Group names
/// come from an allow-list mapped to fixed column names, and every value is a parameter: nothing a
/// caller sends is ever part of the SQL text.
/// </summary>
public sealed class UsageQuery
{
    /// <summary>The allowed <c>group_by</c> and filter dimensions, and the columns they mean.</summary>
    public static readonly IReadOnlyDictionary<string, string> Dimensions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["model"] = "model",
        ["account"] = "account_id",
        ["api_key"] = "key_id",
        ["ip"] = "caller_ip",
        ["outcome"] = "outcome",
        ["denial"] = "denial",
    };

    /// <summary>Time buckets <c>group_by</c> also takes (not filters): the start of each UTC hour or day, as RFC 3339 text.</summary>
    public static readonly IReadOnlyDictionary<string, string> TimeBuckets = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hour"] = "to_char(date_trunc('hour', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')",
        ["day"] = "to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T00:00:00Z\"')",
    };

    // A denial row counts the requests denied alike in a minute; it keeps their estimates (what was asked), but nothing
    // ran: its tokens are not usage.
    private const string Sums = """
        coalesce(sum(requests), 0)::bigint, coalesce(sum(requests) FILTER (WHERE denial IS NOT NULL), 0)::bigint,
        coalesce(sum(input_tokens) FILTER (WHERE denial IS NULL), 0)::bigint, coalesce(sum(output_tokens) FILTER (WHERE denial IS NULL), 0)::bigint,
        coalesce(sum(cost), 0)::bigint, coalesce(sum(trial_used), 0)::bigint, coalesce(sum(charged), 0)::bigint,
        count(*) FILTER (WHERE estimated)::bigint,
        coalesce(sum(cached_input_tokens), 0)::bigint, coalesce(sum(cache_write_5m_tokens), 0)::bigint, coalesce(sum(cache_write_1h_tokens), 0)::bigint,
        coalesce(sum(reasoning_tokens), 0)::bigint, coalesce(sum(audio_input_tokens), 0)::bigint, coalesce(sum(audio_output_tokens), 0)::bigint
        """;

    public required DateTimeOffset Since { get; init; }
    public required DateTimeOffset Until { get; init; }
    public required IReadOnlyList<string> GroupBy { get; init; }
    public required IReadOnlyDictionary<string, string> Filters { get; init; }
    public required int Limit { get; init; }

    public async Task<UsageReport> RunAsync(NpgsqlDataSource database, CancellationToken cancel)
    {
        var (where, parameters) = Where();
        UsageTotals totals;
        await using (var command = Command(database, $"SELECT {Sums} FROM usage_events WHERE {where}", parameters))
        await using (var reader = await command.ExecuteReaderAsync(cancel))
        {
            await reader.ReadAsync(cancel);
            totals = ReadTotals(reader, 0);
        }

        var groups = new List<UsageGroup>();
        if (GroupBy.Count > 0)
        {
            var columns = string.Join(", ", GroupBy.Select(ColumnOf));
            var sql = $"""
                SELECT {columns}, {Sums} FROM usage_events WHERE {where}
                GROUP BY {columns} ORDER BY sum(cost) DESC, sum(requests) DESC, {columns} LIMIT {Limit + 1}
                """;
            await using var command = Command(database, sql, parameters);
            await using var reader = await command.ExecuteReaderAsync(cancel);
            while (await reader.ReadAsync(cancel))
            {
                var key = new Dictionary<string, string?>(StringComparer.Ordinal);
                for (var i = 0; i < GroupBy.Count; i++) key[GroupBy[i]] = reader.IsDBNull(i) ? null : reader.GetString(i);
                groups.Add(new UsageGroup(key, ReadTotals(reader, GroupBy.Count)));
            }
        }
        var truncated = groups.Count > Limit;
        if (truncated) groups.RemoveAt(groups.Count - 1);
        return new UsageReport(Since, Until, GroupBy, totals, groups, truncated);
    }

    private static string ColumnOf(string groupBy) => Dimensions.TryGetValue(groupBy, out var column) ? column : TimeBuckets[groupBy];

    /// <summary>A query of the window [<paramref name="since"/>, <paramref name="until"/>) as the operator pages make it.</summary>
    public static UsageQuery Of(DateTimeOffset since, DateTimeOffset until, IReadOnlyList<string> groupBy, int limit, IReadOnlyDictionary<string, string>? filters = null) =>
        new() { Since = since, Until = until, GroupBy = groupBy, Filters = filters ?? new Dictionary<string, string>(), Limit = limit };

    private (string Where, List<object> Parameters) Where()
    {
        List<object> parameters = [Since, Until];
        var where = "created_at >= $1 AND created_at < $2";
        foreach (var (dimension, value) in Filters)
        {
            parameters.Add(value);
            where += $" AND {Dimensions[dimension]} = ${parameters.Count}";
        }
        return (where, parameters);
    }

    private static NpgsqlCommand Command(NpgsqlDataSource database, string sql, List<object> parameters)
    {
        var command = database.CreateCommand(sql);
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }

    private static UsageTotals ReadTotals(NpgsqlDataReader reader, int first)
    {
        var input = reader.GetInt64(first + 2);
        var output = reader.GetInt64(first + 3);
        var kinds = new TokenKindTotals(reader.GetInt64(first + 8), reader.GetInt64(first + 9), reader.GetInt64(first + 10), reader.GetInt64(first + 11),
            reader.GetInt64(first + 12), reader.GetInt64(first + 13));
        return new UsageTotals(reader.GetInt64(first), reader.GetInt64(first + 1), input, output, input + output,
            reader.GetInt64(first + 4), reader.GetInt64(first + 5), reader.GetInt64(first + 6), reader.GetInt64(first + 7), kinds);
    }

    /// <summary>Reads the query string: <c>period</c> or <c>since</c>/<c>until</c>, <c>group_by</c> (dimensions and time buckets), filters and <c>limit</c>.</summary>
    public static UsageQuery Parse(IQueryCollection query, DateTimeOffset now)
    {
        foreach (var name in query.Keys)
        {
            if (name is not ("period" or "since" or "until" or "group_by" or "limit") && !Dimensions.ContainsKey(name))
                throw ApiException.BadRequest("unknown_parameter", $"Unknown query parameter '{name}'. Filters: {string.Join(", ", Dimensions.Keys)}.");
        }
        var period = Single(query, "period");
        var sinceText = Single(query, "since");
        var untilText = Single(query, "until");
        DateTimeOffset since, until;
        if (period is not null)
        {
            if (sinceText is not null || untilText is not null)
                throw ApiException.BadRequest("conflicting_parameters", "Give either 'period' or 'since'/'until', not both.");
            var utc = now.UtcDateTime;
            since = period switch
            {
                "hour" => new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero),
                "day" => new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero),
                "month" => new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero),
                _ => throw ApiException.BadRequest("invalid_period", "'period' must be hour, day or month (the current one, in UTC)."),
            };
            until = now.ToUniversalTime();
        }
        else
        {
            since = sinceText is null ? now.ToUniversalTime().AddDays(-1) : Timestamp("since", sinceText);
            until = untilText is null ? now.ToUniversalTime() : Timestamp("until", untilText);
        }
        if (until <= since) throw ApiException.BadRequest("invalid_window", "'until' must be after 'since'.");

        var groupBy = new List<string>();
        foreach (var part in (Single(query, "group_by") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Dimensions.ContainsKey(part) && !TimeBuckets.ContainsKey(part))
                throw ApiException.BadRequest("invalid_group_by", $"'group_by' takes a comma-separated list of: {string.Join(", ", Dimensions.Keys.Concat(TimeBuckets.Keys))}.");
            if (!groupBy.Contains(part)) groupBy.Add(part);
        }
        var filters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dimension in Dimensions.Keys)
        {
            if (Single(query, dimension) is { } value)
                filters[dimension] = value.Length <= 200 && !value.Any(char.IsControl) ? value
                    : throw ApiException.BadRequest("invalid_filter", $"'{dimension}' is 1 to 200 printable characters.");
        }
        var limitText = Single(query, "limit");
        var limit = 100;
        if (limitText is not null && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 10_000))
            throw ApiException.BadRequest("invalid_limit", "'limit' must be an integer from 1 to 10000.");
        return new UsageQuery { Since = since, Until = until, GroupBy = groupBy, Filters = filters, Limit = limit };
    }

    private static string? Single(IQueryCollection query, string name)
    {
        var values = query[name];
        if (values.Count > 1) throw ApiException.BadRequest("repeated_parameter", $"Query parameter '{name}' is given more than once.");
        return values.Count == 1 ? values[0] : null;
    }

    private static DateTimeOffset Timestamp(string name, string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            ? instant.ToUniversalTime()
            : throw ApiException.BadRequest("invalid_timestamp", $"'{name}' must be an RFC 3339 timestamp such as 2026-12-01T00:00:00Z.");
}
