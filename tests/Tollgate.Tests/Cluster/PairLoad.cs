using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Cluster;

/// <summary>
/// Closed-loop authorize+settle pairs through gateways, as a gateway fleet sends them, recording what was
/// acknowledged, what got no answer (and may or may not have been charged), and how long calls took.
/// </summary>
internal sealed class PairLoad(IReadOnlyList<HttpClient> gateways, int accounts, string? limitedAccount = null)
{
    private readonly ConcurrentQueue<(string Reservation, string Request, int Output)> _unanswered = new();
    private long _failed;
    private long _maxLatencyTicks;
    private long _limitedAllowed;

    /// <summary>Request id → what its settle charged.</summary>
    public ConcurrentDictionary<string, long> Acknowledged { get; } = new();

    /// <summary>HTTP calls answered with an error (a 5xx after the gateway's own retries).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public int Unanswered => _unanswered.Count;

    /// <summary>The longest any one call took.</summary>
    public TimeSpan MaxLatency => TimeSpan.FromTicks(Interlocked.Read(ref _maxLatencyTicks));

    /// <summary>Authorizes the rate-limited account allowed.</summary>
    public long LimitedAllowed => Interlocked.Read(ref _limitedAllowed);

    public static string AccountId(int i) => $"k-{i}";

    /// <summary>Waits until the rate-limited account has been allowed <paramref name="limit"/> requests: it is at its limit.</summary>
    public Task LimitReachedAsync(int limit) =>
        Eventually.TrueAsync(() => Task.FromResult(LimitedAllowed >= limit), "the limited account did not reach its limit", seconds: 60);

    /// <summary>Waits until <paramref name="more"/> settlements more than now have been acknowledged: the load runs.</summary>
    public Task RunsOnAsync(int more, string failure)
    {
        var target = Acknowledged.Count + more;
        return Eventually.TrueAsync(() => Task.FromResult(Acknowledged.Count >= target), failure, seconds: 60);
    }

    public Task RunAsync(int workers, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkerAsync(w, stop), CancellationToken.None)));

    private async Task WorkerAsync(int worker, CancellationToken stop)
    {
        // Worker 0 hammers the rate-limited account, when there is one; the others spread over the rest.
        var limited = worker == 0 && limitedAccount is not null;
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var request = $"w{worker}-{i}";
            var account = limited ? limitedAccount! : AccountId((worker * 7 + i) % accounts);
            var authorize = $$"""{"request_id":"{{request}}","account_id":"{{account}}","caller_ip":"10.0.0.{{worker}}","model":"m1","estimated_input_tokens":500,"max_output_tokens":500}""";
            if (await CallAsync(gateways[i % gateways.Count], "/v1/authorize", authorize) is not { } authorized)
            {
                Interlocked.Increment(ref _failed);
                continue;
            }
            if (!authorized.GetProperty("allowed").GetBoolean()) continue;
            if (limited) Interlocked.Increment(ref _limitedAllowed);
            var reservation = authorized.GetProperty("reservation_id").GetString()!;
            var output = i % 400;
            if (await SettleAsync(gateways[(i + 1) % gateways.Count], reservation, output) is { } charged) Acknowledged[request] = charged;
            else
            {
                Interlocked.Increment(ref _failed);
                _unanswered.Enqueue((reservation, request, output)); // may or may not have been charged
            }
        }
    }

    /// <summary>A gateway retries a settle it got no answer for, with the same reservation: charged once at most.</summary>
    public async Task RetryUnansweredAsync()
    {
        while (_unanswered.TryDequeue(out var settle))
            Acknowledged[settle.Request] = await SettleAsync(gateways[0], settle.Reservation, settle.Output)
                ?? throw new Xunit.Sdk.XunitException($"the settle of {settle.Request} failed again");
    }

    /// <summary>
    /// The most requests of <paramref name="account"/> admitted within any one minute, by the silos' own admission times
    /// (every admitted request of the load is settled, so each has its usage row).
    /// </summary>
    public static Task<long> MostAdmittedInAMinuteAsync(string database, string account) => Ledger.ScalarAsync(database, """
        SELECT coalesce(max((SELECT count(*) FROM usage_events later
                             WHERE later.account_id = u.account_id AND later.authorized_at >= u.authorized_at
                               AND later.authorized_at < u.authorized_at + interval '1 minute')), 0)
        FROM usage_events u WHERE u.account_id = $1
        """, account);

    /// <summary>Every acknowledged settlement is charged exactly once, nothing else is, and every ledger sums to its balance.</summary>
    public async Task AssertMoneyExactAsync(string database)
    {
        // Each acknowledged request has its usage row and a ledger row of the same charge, and nothing else has.
        var charges = await Ledger.PairsAsync(database,
            "SELECT u.request_id, u.charged FROM usage_events u JOIN ledger l ON l.account_id = u.account_id AND l.kind = 'settle' AND l.op_key = u.request_id AND l.amount = -u.charged WHERE u.denial IS NULL");
        Assert.Equal(Acknowledged.OrderBy(a => a.Key, StringComparer.Ordinal), charges.OrderBy(c => c.Key, StringComparer.Ordinal));
        Assert.Equal(Acknowledged.Count, await Ledger.ScalarAsync(database, "SELECT count(*) FROM usage_events WHERE denial IS NULL"));
        Assert.Equal(Acknowledged.Count, await Ledger.ScalarAsync(database, "SELECT count(*) FROM ledger WHERE kind = 'settle'"));
        await Ledger.AssertExactAsync(database); // ledger = balance, and every grant holds what the ledger says
        // Each account's budget counted exactly what its settled requests cost, as stored with its balance.
        Assert.NotEqual(0, await Ledger.ScalarAsync(database, $"SELECT count(*) FROM accounts WHERE budget_spend ? 'a/{Budget}'"));
        Assert.Equal(0, await Ledger.ScalarAsync(database, $"""
            SELECT count(*) FROM accounts a
            WHERE a.budget_spend ? 'a/{Budget}'
              AND (a.budget_spend -> 'a/{Budget}' ->> 'NanoUsd')::bigint <> (SELECT coalesce(sum(cost), 0) FROM usage_events u WHERE u.account_id = a.account_id AND u.denial IS NULL)
            """));
    }

    /// <summary>The name of a budget the load's accounts may carry (one that never refuses): <see cref="AssertMoneyExactAsync"/> checks its count.</summary>
    public const string Budget = "all";

    private async Task<long?> SettleAsync(HttpClient gateway, string reservation, int outputTokens)
    {
        var answer = await CallAsync(gateway, "/v1/settle", $$"""{"reservation_id":"{{reservation}}","input_tokens":500,"output_tokens":{{outputTokens}}}""");
        return answer?.GetProperty("charged").GetInt64();
    }

    private async Task<JsonElement?> CallAsync(HttpClient gateway, string path, string body)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await gateway.PostAsync(path, Http.Json(body));
            var text = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement.Clone() : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        finally
        {
            var took = Stopwatch.GetElapsedTime(started).Ticks;
            for (var max = Interlocked.Read(ref _maxLatencyTicks); took > max; max = Interlocked.Read(ref _maxLatencyTicks))
                if (Interlocked.CompareExchange(ref _maxLatencyTicks, took, max) == max) break;
        }
    }
}
