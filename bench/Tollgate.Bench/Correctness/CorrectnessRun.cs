using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;
using Tollgate.Bench.Targets;
using Tollgate.Gateway;
using Tollgate.Persistence;
using Tollgate.Silo;

namespace Tollgate.Bench.Correctness;

/// <summary>One correctness finding: what was done to a target, what it allowed and charged, and whether that is exact.</summary>
public sealed record CorrectnessRow(string Scenario, string Target, string Outcome, bool Exact);

/// <summary>
/// The correctness rows, on a cluster of real processes of its own (its own database): two silos, two Tollgate
/// gateways, two baseline fronts (serving redis-postgres and postgres-direct), so every target is called through
/// two gateway processes. The same client code and the same calls for every target:
/// <list type="bullet">
/// <item>overspend: 1,000 concurrent authorizes on one account whose credit covers 100 holds;</item>
/// <item>limit exactness: 1,000 concurrent authorizes on one account limited to 100 requests a minute;</item>
/// <item>a crash of the counter store under load: Tollgate's silo hosting the accounts is killed; Redis is
/// killed and restarted without its last second of writes (as an OS crash with <c>appendfsync everysec</c>);
/// postgres-direct keeps its counters in PostgreSQL, so its gateways are what is killed;</item>
/// <item>ledger = balance afterwards, and for redis-postgres whether Redis' credit still matches the ledger.</item>
/// </list>
/// </summary>
public sealed class CorrectnessRun : IAsyncDisposable
{
    private const long Hold = 6_000;   // 1,000 input + 500 output tokens of bench-model, held at authorize
    private const long Charge = 4_400; // 1,000 input + 300 output tokens, charged at settle
    private const long Plenty = 1_000_000_000_000;
    private const string AdminToken = "bench-admin";

    private readonly string _database;
    private readonly LocalRedis _redis;
    private readonly List<ChildProcess> _processes = [];
    private readonly List<ChildProcess> _silos = [];
    private readonly List<ChildProcess> _gateways = [];
    private readonly List<ChildProcess> _fronts = [];
    private readonly List<MeteringClient> _clients = [];
    private readonly List<CorrectnessRow> _rows = [];
    private Microsoft.AspNetCore.Builder.WebApplication? _lookup;
    private HttpClient _admin = null!;
    private IConnectionMultiplexer _store = null!;

    private CorrectnessRun(string database, LocalRedis redis)
    {
        _database = database;
        _redis = redis;
    }

    public static async Task<IReadOnlyList<CorrectnessRow>> RunAsync(LocalPostgres postgres, LocalRedis redis, Action<string> progress)
    {
        await using (var server = new NpgsqlConnection(postgres.ConnectionString))
        {
            await server.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE correctness", server);
            await create.ExecuteNonQueryAsync();
        }
        await using var run = new CorrectnessRun(postgres.ConnectionStringFor("correctness"), redis);
        await run.StartClusterAsync(progress);
        var targets = run.Targets();
        foreach (var target in targets)
        {
            progress($"correctness: overspend and limit exactness on {target.Name}");
            await run.OverspendAsync(target);
            await run.LimitAsync(target);
        }
        // The Redis crash last: it takes the speed rows' Redis down with it.
        foreach (var target in targets.OrderBy(t => t.Name == "redis-postgres"))
        {
            progress($"correctness: crash of {target.Name}'s counter store under load");
            await run.CrashAsync(target);
        }
        foreach (var target in targets) await run.LedgerMatchesBalanceAsync(target);
        return run._rows;
    }

    private sealed record Target(string Name, MeteringClient[] Fronts, string Accounts, string Ledger);

    private List<Target> Targets() =>
    [
        new("tollgate", [Client(_gateways[0], "/v1"), Client(_gateways[1], "/v1")], "accounts", "ledger"),
        new("redis-postgres", [Client(_fronts[0], "/redis/v1"), Client(_fronts[1], "/redis/v1")], "redis_accounts", "redis_ledger"),
        new("postgres-direct", [Client(_fronts[0], "/direct/v1"), Client(_fronts[1], "/direct/v1")], "direct_accounts", "direct_ledger"),
    ];

    private readonly Dictionary<ChildProcess, Uri> _addresses = [];

    private MeteringClient Client(ChildProcess process, string prefix)
    {
        var client = new MeteringClient(_addresses[process], prefix, "bench");
        _clients.Add(client);
        return client;
    }

    private async Task StartClusterAsync(Action<string> progress)
    {
        progress("correctness: starting 2 silos, 2 gateways and 2 baseline fronts as processes");
        await SiloDatabase.MigrateAsync(_database, logLevel: Microsoft.Extensions.Logging.LogLevel.Warning);
        await ExecuteAsync(BaselineServer.Schema + RedisPostgres.Schema + "INSERT INTO direct_prices VALUES ('bench-model', 2000000, 8000000);");
        string[] quiet = ["--Logging:LogLevel:Default=Warning"];
        for (var i = 0; i < 2; i++)
        {
            var (http, silo, gateway) = (Machine.FreePort(), Machine.FreePort(), Machine.FreePort());
            var process = await ChildProcess.StartAsync($"silo {i}", "Tollgate.Silo.dll", new Uri($"http://127.0.0.1:{http}/health"),
                [$"--Postgres:ConnectionString={_database}", $"--Urls=http://127.0.0.1:{http}", "--Silo:AdvertisedAddress=127.0.0.1",
                 $"--Silo:SiloPort={silo}", $"--Silo:GatewayPort={gateway}", .. quiet]);
            _silos.Add(process);
            _processes.Add(process);
        }
        for (var i = 0; i < 2; i++)
        {
            var port = Machine.FreePort();
            var process = await ChildProcess.StartAsync($"gateway {i}", "Tollgate.Gateway.dll", new Uri($"http://127.0.0.1:{port}/health/ready"),
                [$"--Urls=http://127.0.0.1:{port}", $"--Admin:Token={AdminToken}", "--Metering:ServiceToken=bench", $"--Postgres:ConnectionString={_database}", .. quiet]);
            _addresses[process] = new Uri($"http://127.0.0.1:{port}");
            _gateways.Add(process);
            _processes.Add(process);
        }
        for (var i = 0; i < 2; i++)
        {
            var port = Machine.FreePort();
            var process = await ChildProcess.StartAsync($"baseline front {i}", "Tollgate.Bench.dll", new Uri($"http://127.0.0.1:{port}/health"),
                ["--serve-baseline", $"{port}", $"{_database};Maximum Pool Size=50", _redis.Endpoint]); // two fronts and two silos within PostgreSQL's 300 connections
            _addresses[process] = new Uri($"http://127.0.0.1:{port}");
            _fronts.Add(process);
            _processes.Add(process);
        }
        _admin = new HttpClient { BaseAddress = _addresses[_gateways[0]] };
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        await AdminAsync(HttpMethod.Post, "/admin/models/bench-model/prices", """{"input_per_million":2000000,"output_per_million":8000000}""");
        _store = await ConnectionMultiplexer.ConnectAsync($"{_redis.Endpoint},abortConnect=false");
        // An Orleans client of the bench's own, only to ask where accounts are activated.
        _lookup = GatewayApp.Build([$"--Urls=http://127.0.0.1:{Machine.FreePort()}", $"--Admin:Token={AdminToken}", "--Metering:ServiceToken=lookup",
            $"--Postgres:ConnectionString={_database}", .. quiet]);
        await _lookup.StartAsync();
    }

    /// <summary>Creates an account on one target, with its credit and (optionally) a requests-per-minute limit.</summary>
    private async Task CreateAccountAsync(Target target, string account, long credit, int? requestsPerMinute = null)
    {
        switch (target.Name)
        {
            case "tollgate":
                await AdminAsync(HttpMethod.Post, "/admin/accounts", $$"""{"account_id":"{{account}}","initial_credit":{{credit}}}""");
                if (requestsPerMinute is { } rpm) await AdminAsync(HttpMethod.Put, $"/admin/accounts/{account}/limits", $$"""{"requests_per_minute":{{rpm}}}""");
                break;
            case "redis-postgres":
                await ExecuteAsync("INSERT INTO redis_accounts VALUES ($1, $2)", account, credit);
                await ExecuteAsync("INSERT INTO redis_ledger (account_id, kind, op_key, amount, balance_after, requested) VALUES ($1, 'adjust', 'initial', $2, $2, $2)", account, credit);
                await _store.GetDatabase().HashSetAsync(RedisPostgres.AccountKey(account),
                    requestsPerMinute is { } limit ? [new("credit", credit), new("rpm", limit)] : [new("credit", credit)]);
                break;
            default:
                await ExecuteAsync("INSERT INTO direct_accounts (account_id, balance, rpm_limit) VALUES ($1, $2, $3)", account, credit, (object?)requestsPerMinute ?? DBNull.Value);
                await ExecuteAsync("INSERT INTO direct_ledger (account_id, kind, op_key, amount, balance_after, requested) VALUES ($1, 'adjust', 'initial', $2, $2, $2)", account, credit);
                break;
        }
    }

    private async Task OverspendAsync(Target target)
    {
        const int Covered = 100;
        var account = $"{target.Name}-race";
        await CreateAccountAsync(target, account, Covered * Hold);
        var answers = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i => target.Fronts[i % 2].AuthorizeAsync(account, $"race-{i}")));
        var allowed = answers.Count(a => a.Allowed);
        var other = Denials(answers, "insufficient_credit");
        await SettleAllAsync(target, answers);
        var balance = await ScalarAsync($"SELECT balance FROM {target.Accounts} WHERE account_id = $1", account);
        var overspent = Math.Max(0, allowed - Covered) * Hold;
        _rows.Add(new("1,000 concurrent authorizes, credit for 100 holds, through 2 gateways", target.Name,
            $"{allowed} allowed: overspend {overspent:N0} nano-USD; balance after settling {balance:N0}{other}", allowed == Covered && balance >= 0));
    }

    private async Task LimitAsync(Target target)
    {
        const int Limit = 100;
        var account = $"{target.Name}-limited";
        await CreateAccountAsync(target, account, Plenty, Limit);
        await AwayFromMinuteBoundaryAsync(target);
        var answers = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i => target.Fronts[i % 2].AuthorizeAsync(account, $"limit-{i}")));
        var allowed = answers.Count(a => a.Allowed);
        await SettleAllAsync(target, answers);
        _rows.Add(new($"1,000 concurrent authorizes, limit {Limit}/min, through 2 gateways", target.Name,
            $"{allowed} allowed: {Math.Max(0, allowed - Limit)} over the limit{Denials(answers, target.Name == "tollgate" ? "rate_limited" : "rate_limit_exceeded")}", allowed == Limit));
    }

    /// <summary>
    /// Pairs on two accounts (one with credit for 300 pairs, one limited to 300 a minute): 150 each, then one
    /// more second of them (what Redis loses), then the crash, then as many as each target admits.
    /// Everything happens inside one minute, so the limit's window is the same throughout.
    /// </summary>
    private async Task CrashAsync(Target target)
    {
        const int Pairs = 300;
        var credit = $"{target.Name}-crash-credit";
        await CreateAccountAsync(target, credit, Pairs * Charge);
        var limited = await LimitedAccountBesideAsync(target, credit, Pairs);
        await AwayFromMinuteBoundaryAsync(target, roomSeconds: 45);
        var allowed = new Dictionary<string, int> { [credit] = 0, [limited] = 0 };
        var failures = new Dictionary<string, int>();
        async Task PairsAsync(string account, int count, int callers, TimeSpan pace)
        {
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, callers).Select(async c =>
            {
                for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                {
                    var started = Stopwatch.GetTimestamp();
                    var front = target.Fronts[i % 2];
                    try
                    {
                        var answer = await front.AuthorizeAsync(account, $"crash-{Guid.NewGuid():N}");
                        if (answer.Allowed && (await front.SettleAsync(answer.ReservationId!)).Error is null) lock (allowed) allowed[account]++;
                        else if (!answer.Allowed && !IsDenial(answer.Denial)) lock (failures) failures[answer.Denial!] = failures.GetValueOrDefault(answer.Denial!) + 1;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        lock (failures) failures["http"] = failures.GetValueOrDefault("http") + 1;
                    }
                    var wait = pace - Stopwatch.GetElapsedTime(started);
                    if (wait > TimeSpan.Zero) await Task.Delay(wait);
                }
            }));
        }
        async Task BothAsync(int count, int callers, TimeSpan pace) => await Task.WhenAll(PairsAsync(credit, count, callers, pace), PairsAsync(limited, count, callers, pace));

        await BothAsync(150, 4, TimeSpan.Zero);
        var snapshot = target.Name == "redis-postgres" ? _redis.SnapshotAppendOnlyFiles() : null;
        await BothAsync(80, 1, TimeSpan.FromMilliseconds(12.5)); // about one second
        var crashed = Stopwatch.StartNew();
        var what = await CrashStoreAsync(target, snapshot, credit, limited);
        var (recovered, settled) = await FirstAnswerAsync(target, crashed, credit);
        if (settled) allowed[credit]++;
        await BothAsync(3 * Pairs, 8, TimeSpan.Zero);

        var charged = await ScalarAsync($"SELECT coalesce(sum(-amount), 0)::bigint FROM {target.Ledger} WHERE account_id = $1 AND kind = 'settle'", credit);
        var balance = await ScalarAsync($"SELECT balance FROM {target.Accounts} WHERE account_id = $1", credit);
        var overspent = Math.Max(0, charged - Pairs * Charge);
        var overAdmitted = Math.Max(0, allowed[limited] - Pairs);
        var errors = failures.Count == 0 ? "" : $"; failed calls: {string.Join(", ", failures.Select(f => $"{f.Key} {f.Value}"))}";
        _rows.Add(new($"crash of the counter store under load ({what})", target.Name,
            $"credit for {Pairs} pairs: {allowed[credit]} settled, overspend {overspent:N0} nano-USD (balance {balance:N0}); limit {Pairs}/min: {allowed[limited]} admitted, {overAdmitted} over; " +
            $"its first answer {recovered.TotalSeconds:F1} s after the crash (restart included){errors}", overspent == 0 && overAdmitted == 0));
    }

    /// <summary>
    /// A limited account for the crash; on Tollgate one activated on the same silo as <paramref name="credit"/>,
    /// so killing one silo (of two) takes both accounts' state: candidates are activated until one lands there.
    /// </summary>
    private async Task<string> LimitedAccountBesideAsync(Target target, string credit, int limit)
    {
        if (target.Name != "tollgate")
        {
            await CreateAccountAsync(target, $"{target.Name}-crash-limit", Plenty, limit);
            return $"{target.Name}-crash-limit";
        }
        await AdminAsync(HttpMethod.Get, $"/admin/accounts/{credit}", null);
        var home = (await HostsAsync([credit])).Single();
        for (var i = 0; ; i++)
        {
            var candidate = $"{target.Name}-crash-limit-{i}";
            await CreateAccountAsync(target, candidate, Plenty, limit);
            await AdminAsync(HttpMethod.Get, $"/admin/accounts/{candidate}", null);
            if ((await HostsAsync([candidate])).SequenceEqual([home]) || i == 15) return candidate;
        }
    }

    /// <summary>How long after the crash <paramref name="account"/> answers again (allowed or denied, not failed); whether its pair was settled.</summary>
    private static async Task<(TimeSpan Elapsed, bool Settled)> FirstAnswerAsync(Target target, Stopwatch crashed, string account)
    {
        while (crashed.Elapsed < TimeSpan.FromSeconds(120))
        {
            try
            {
                var answer = await target.Fronts[0].AuthorizeAsync(account, $"probe-{Guid.NewGuid():N}");
                if (answer.Allowed) return (crashed.Elapsed, (await target.Fronts[0].SettleAsync(answer.ReservationId!)).Error is null);
                if (IsDenial(answer.Denial)) return (crashed.Elapsed, false);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"{target.Name} did not answer within 120 s of the crash.");
    }

    /// <summary>A denial for credit or a limit: the answer expected when an account has reached either (Tollgate names the limit's 'rate_limited').</summary>
    private static bool IsDenial(string? reason) => reason is "insufficient_credit" or "rate_limit_exceeded" or "rate_limited";

    private async Task<string> CrashStoreAsync(Target target, string? snapshot, params string[] accounts)
    {
        switch (target.Name)
        {
            case "tollgate":
                var hosts = await HostsAsync(accounts);
                foreach (var silo in hosts) await silo.KillAsync();
                foreach (var silo in hosts) await silo.StartAsync(); // the same address: its new generation declares the old one dead
                return hosts.Count == 1 ? "SIGKILL of the silo hosting both accounts, 1 of 2; restarted" : "SIGKILL of both silos (one hosted each account); restarted";
            case "redis-postgres":
                await _redis.CrashAndRestartFromAsync(snapshot!);
                return "Redis SIGKILL, restarted without its last second of writes";
            default:
                foreach (var front in _fronts) await front.KillAsync();
                foreach (var front in _fronts) await front.StartAsync();
                return "SIGKILL of both gateways (its counters are PostgreSQL rows), restarted";
        }
    }

    /// <summary>The silo processes the accounts are activated on, asked of Orleans' management grain.</summary>
    private async Task<List<ChildProcess>> HostsAsync(string[] accounts)
    {
        var grains = _lookup!.Services.GetRequiredService<IClusterClient>();
        var statistics = await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var ports = statistics.Where(a => accounts.Any(account => a.GrainId.ToString() == $"account/{account}")).Select(a => a.SiloAddress.Endpoint.Port).ToHashSet();
        return _silos.Where(s => ports.Any(p => s.Arguments.Contains($"--Silo:SiloPort={p}"))).ToList();
    }

    private async Task LedgerMatchesBalanceAsync(Target target)
    {
        var mismatched = await ScalarAsync($"""
            SELECT count(*) FROM {target.Accounts} a JOIN (SELECT account_id, sum(amount) AS total FROM {target.Ledger} GROUP BY account_id) l USING (account_id)
            WHERE a.balance <> l.total
            """);
        var outcome = $"{mismatched} accounts whose ledger sum differs from their balance";
        var exact = mismatched == 0;
        if (target.Name == "redis-postgres")
        {
            var (_, apart) = await RedisPostgres.CompareWithLedgerAsync(_redis.Endpoint, _database, accountPrefix: "");
            outcome += apart.Count == 0 ? "; Redis' credit matches the ledger on every account"
                : $"; Redis' credit differs from the ledger on {apart.Count}: {string.Join("; ", apart.Select(a => $"{a.Account}: Redis {a.Redis:N0} vs ledger {a.Ledger:N0}"))}";
            exact &= apart.Count == 0;
        }
        _rows.Add(new("ledger = balance afterwards", target.Name, outcome, exact));
    }

    /// <summary>postgres-direct counts a limit in fixed minutes; a burst across a minute's end would count in two. Not what is measured here.</summary>
    private static async Task AwayFromMinuteBoundaryAsync(Target target, int roomSeconds = 10)
    {
        if (target.Name != "postgres-direct") return;
        while (DateTime.UtcNow.Second is var second && (second < 1 || second > 59 - roomSeconds)) await Task.Delay(250);
    }

    private static async Task SettleAllAsync(Target target, Authorized[] answers) =>
        await Task.WhenAll(answers.Where(a => a.Allowed).Select((a, i) => target.Fronts[i % 2].SettleAsync(a.ReservationId!)));

    private static string Denials(Authorized[] answers, string expected)
    {
        var other = answers.Where(a => !a.Allowed && a.Denial != expected).GroupBy(a => a.Denial).Select(g => $"{g.Key} {g.Count()}").ToList();
        return other.Count == 0 ? "" : $"; other answers: {string.Join(", ", other)}";
    }

    private async Task AdminAsync(HttpMethod method, string path, string? body)
    {
        using var response = await _admin.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") });
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> ScalarAsync(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        _admin?.Dispose();
        if (_lookup is not null)
        {
            await _lookup.StopAsync();
            await _lookup.DisposeAsync();
        }
        foreach (var process in Enumerable.Reverse(_processes)) await process.DisposeAsync();
        if (_store is not null) await _store.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
    }
}
