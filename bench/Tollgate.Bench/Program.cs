using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Tollgate.Bench;
using Tollgate.Bench.Correctness;
using Tollgate.Bench.Load;
using Tollgate.Bench.Memory;
using Tollgate.Bench.Proxy;
using Tollgate.Bench.Targets;
using Tollgate.Gateway;
using Tollgate.Persistence;
using Tollgate.Silo;

// Tollgate against its baselines, in one run on one machine and one PostgreSQL (fsync on):
//   dotnet run -c Release --project bench/Tollgate.Bench            # short mode: speed rows only, about two minutes
//   dotnet run -c Release --project bench/Tollgate.Bench -- --full  # the whole report: speed, wrk and correctness rows
// Needs Debian's redis-server (the redis-postgres target) and, in full mode, wrk.
// Writes bench/results/{stamp}-{mode}.json and .md (and latest-{mode}.md).
// The runtime as the images set it (Dockerfile): socket continuations inline, read when the first socket is made, so before
// anything here makes one; for this process (every target alike) and the processes it starts. Set to 0 to measure without.
if (Environment.GetEnvironmentVariable(Machine.InlineSocketCompletions) is null) Environment.SetEnvironmentVariable(Machine.InlineSocketCompletions, "1");
if (args is ["--serve-baseline", var servePort, var serveDatabase, var serveRedis])
{
    // A baseline front as its own process, for the correctness rows' two gateway processes per target.
    var front = await BaselineServer.BuildAsync(int.Parse(servePort), serveDatabase, serveRedis);
    await front.RunAsync();
    return;
}
if (args.Contains("--drill-partitions"))
{
    await Console.Error.WriteLineAsync("--drill-partitions is gone: on Orleans there are no partitions or leases to lose (Orleans places activations and keeps membership itself), so the partition-loss drill was dropped.");
    Environment.Exit(2);
}
if (args.Contains("--memory"))
{
    // Memory per idle activation and with a million accounts (Memory/ActivationMemory.cs); writes bench/results/memory-{stamp}.md.
    await ActivationMemory.RunAsync(args, Path.Combine(FindRepository(), "bench", "results"));
    return;
}
if (args.Contains("--proxy"))
{
    // The proxy's overhead against the fake upstream alone: non-streamed, streamed, memory per open stream (Proxy/ProxyBench.cs); writes bench/results/proxy-{stamp}.md.
    await ProxyBench.RunAsync(args, Path.Combine(FindRepository(), "bench", "results"));
    return;
}
if (args.Contains("--rls"))
{
    // Envoy's rate-limit service (ShouldRateLimit) beside the metering API's authorize, on the same grains (Envoy/RlsBench.cs); writes bench/results/rls-{stamp}.md.
    await Tollgate.Bench.Envoy.RlsBench.RunAsync(args, Path.Combine(FindRepository(), "bench", "results"));
    return;
}
var full = args.Contains("--full");
var mode = full ? "full" : "short";
var accounts = Option("--accounts") is { } count ? int.Parse(count) : full ? 100_000 : 10_000;
var warmUp = TimeSpan.FromSeconds(full ? 5 : 1);
var duration = TimeSpan.FromSeconds(Option("--seconds") is { } seconds ? int.Parse(seconds) : full ? 20 : 3);
// Some targets only, by name, comma-separated: one for a profile (--only in-process --seconds 30); one Tollgate target with the
// baselines (a second one inherits the first's garbage and PostgreSQL's vacuuming after it); --full --only correctness: those rows alone.
var only = Option("--only")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
// The open-loop runs' arrival rate in pairs/s (default in full mode: half of each target's own uniform peak); given, short mode runs them too.
var openRate = Option("--open-rate") is { } rate ? double.Parse(rate, System.Globalization.CultureInfo.InvariantCulture) : (double?)null;
// Which types the process allocates most, sampled, printed after each row (Load/AllocatedBytes.cs).
var allocations = args.Contains("--allocations") ? AllocatedBytes.Listener : null;
allocations?.SampleTypes();
// The closed loop's callers (64 by default): more of them shows whether a target is bound by waiting or by the cores.
var callers = Option("--callers") is { } callerCount ? int.Parse(callerCount) : 64;
const long credit = 1_000_000_000_000; // 1,000 USD each: never the limit here
var results = Path.GetFullPath(Path.Combine(FindRepository(), "bench", "results"));
if (full) Wrk.EnsureInstalled();
var loadBefore = Machine.LoadAverage();

var folder = Path.Combine(Path.GetTempPath(), "tollgate-bench-" + Guid.NewGuid().ToString("N")[..8]);
CpuTime.CountServersUnder(folder);
await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(folder, Ephemeral: false));
var redis = await LocalRedis.StartAsync(Path.Combine(folder, "redis"));
try
{
    string[] quiet = ["--Logging:LogLevel:Default=Warning"];
    // A real silo: Orleans with PostgreSQL membership, on free ports (its health endpoint, silo-to-silo, and the gateway port clients use).
    var (siloHttp, siloPort, siloGatewayPort, siloApi) = (Machine.FreePort(), Machine.FreePort(), Machine.FreePort(), Machine.FreePort());
    await SiloDatabase.MigrateAsync(postgres.ConnectionString, logLevel: Microsoft.Extensions.Logging.LogLevel.Warning); // so the silo finds nothing to migrate (and logs none)
    var silo = await SiloApp.BuildAsync([$"--Postgres:ConnectionString={postgres.ConnectionString}", $"--Urls=http://127.0.0.1:{siloHttp}",
        "--Silo:AdvertisedAddress=127.0.0.1", $"--Silo:SiloPort={siloPort}", $"--Silo:GatewayPort={siloGatewayPort}",
        $"--Silo:ApiUrls=http://127.0.0.1:{siloApi}", "--Admin:Token=bench-admin", "--Metering:ServiceToken=bench", .. quiet], // the gateway's APIs served by the silo too
        services => services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(5))); // a graceful stop deactivates every account: give it time
    await SeedAsync(postgres.ConnectionString, accounts, credit);
    await RedisPostgres.SeedAsync(redis.Endpoint, Enumerable.Range(0, accounts).Select(LoadRunner.AccountId), credit);
    await silo.StartAsync();
    // A real gateway: an Orleans client that finds the silo in the membership table and calls it over TCP.
    var gatewayPort = Machine.FreePort();
    var gateway = GatewayApp.Build([$"--Urls=http://127.0.0.1:{gatewayPort}", "--Admin:Token=bench-admin", "--Metering:ServiceToken=bench",
        $"--Postgres:ConnectionString={postgres.ConnectionString}", .. quiet]);
    await gateway.StartAsync(); // connects the client, waiting for the silo's gateway to appear in the membership table
    var siloGrains = silo.Services.GetRequiredService<IGrainFactory>();
    var clients = await ConnectedClientsAsync(siloGrains);
    if (clients < 1) throw new InvalidOperationException("The silo reports no connected Orleans client: the gateway is not calling it over TCP.");
    var baselinePort = Machine.FreePort();
    var baseline = await BaselineServer.BuildAsync(baselinePort, postgres.ConnectionString, redis.Endpoint);
    await baseline.StartAsync();
    await SetPriceAsync(new Uri($"http://127.0.0.1:{gatewayPort}"));

    using var tollgate = new HttpPairTarget("tollgate", new Uri($"http://127.0.0.1:{gatewayPort}"), "/v1", "bench");
    using var cohosted = new HttpPairTarget("tollgate-cohosted", new Uri($"http://127.0.0.1:{siloApi}"), "/v1", "bench");
    using var redisPostgres = new HttpPairTarget("redis-postgres", new Uri($"http://127.0.0.1:{baselinePort}"), "/redis/v1", "bench");
    using var direct = new HttpPairTarget("postgres-direct", new Uri($"http://127.0.0.1:{baselinePort}"), "/direct/v1", "bench");
    using var ceiling = new HttpPairTarget("ceiling", new Uri($"http://127.0.0.1:{baselinePort}"), "/ceiling/v1", "bench");
    var inProcess = new InProcessTarget(siloGrains);
    HttpPairTarget[] compared = [tollgate, cohosted, redisPostgres, direct];

    KeyDistribution[] distributions = [KeyDistribution.Hot(), KeyDistribution.Uniform(accounts), KeyDistribution.Zipf(accounts, 1.1)];
    var machine = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, Orleans {Machine.OrleansVersion()}, {Machine.RedisVersion()}, {Machine.SocketCompletions()}; silo, gateway, baselines, PostgreSQL, Redis and the load generator share the machine (and one process, except PostgreSQL and Redis). tollgate: HTTP to the gateway, whose Orleans client calls the silo over TCP (found in PostgreSQL's membership table; the silo counts {clients} connected client{(clients == 1 ? "" : "s")}); tollgate-cohosted: HTTP to the same gateway code served by the silo itself (Silo:ApiUrls), its grain calls through the silo's own client: on this one silo every grain is local, where a fleet of n silos sends (n-1)/n of them one hop to another silo; in-process: the same grain calls through the silo's own IGrainFactory (its hosted client: requests and answers deep-copied, looped back inside the silo, not serialized). redis-postgres: Redis ({redis.Endpoint}, appendonly yes, appendfsync everysec) holds each account's credit and window, PostgreSQL the ledger and usage; what that design cannot match is one transaction for the credit that admits calls and the ledger's balance (two stores: see the correctness rows). The bench's accounts, caller IPs and model have no limits, so each target checks what its design must: Tollgate's gateway admits the caller IP and the model by its copies of their settings and calls the account grain alone (one grain call per authorize and per settle), redis-postgres's script skips a window no limit is set for. {accounts:N0} accounts; before its first run on them each target runs one pair per account (the 'first touch' rows), then each run warms up {warmUp.TotalSeconds} s, and on while the JIT still compiles more than {LoadRunner.WarmJitMethodsPerSecond} methods a second (at most {LoadRunner.MaxExtraWarmUpSeconds} s more: a long-running silo's code is tiered up), counts what it allocates in {LoadRunner.AllocationSlice.TotalSeconds} s more (the runtime's allocation events are off while timed: they cost the process CPU), and is timed {duration.TotalSeconds} s. Before each timed row the bench waits for PostgreSQL's autovacuum workers (at most 60 s) and checkpoints, so a row does not pay for the rows before it; the reference rows (ceiling, in-process) run last.";
    Console.WriteLine(machine);
    var runs = new List<RunResult>();
    async Task<RunResult?> RunAsync(IPairTarget target, KeyDistribution keys, LoadShape shape)
    {
        if (only is not null && !only.Contains(target.Name)) return null;
        // The ceiling keeps no state, and one hot key makes no row.
        if (target != ceiling && await LoadRunner.TouchEveryKeyAsync(target, keys, $"{target.Name[..2]}{runs.Count}k") is { Pairs: > 1 } firstTouch) Add(firstTouch);
        await SettleDatabaseAsync();
        var run = await LoadRunner.RunAsync(target, keys, shape, warmUp, duration, $"{target.Name[..2]}{runs.Count}", postgres.ConnectionString);
        Add(run);
        return run;
    }
    async Task SettleDatabaseAsync()
    {
        if (await QuietDatabase.SettleAsync(postgres.ConnectionString) is { TotalSeconds: >= 1 } waited)
            Console.WriteLine($"(PostgreSQL's autovacuum and checkpoint took {waited.TotalSeconds:F1} s before the next row)");
    }
    void Add(RunResult run)
    {
        runs.Add(run);
        if (allocations is not null && run.Pairs > 0)
        {
            foreach (var (type, share) in allocations.TakeTop(20)) Console.WriteLine(FormattableString.Invariant($"    {share,6:P1}  {type}"));
        }
        Console.WriteLine($"{run.Target,-16} {run.Distribution,-20} {run.Load,-24} {run.CallsPerSecond,10:N0} calls/s  authorize p50 {run.Authorize.Percentile(0.5):F2} p99 {run.Authorize.Percentile(0.99):F2} ms  GC paused {run.GcPaused.TotalMilliseconds:N0} ms, longest {run.LongestGcPause.TotalMilliseconds:N0} ms ({run.Gc} collections of gen 0/1/2{(run.AllocatedBytesPerPair is null ? "" : $", {run.AllocatedPerPair} KB allocated per pair")}), warm-up {run.WarmUpSeconds:F0} s, JIT {run.Jit.Methods:N0} methods in {run.Jit.Time.TotalMilliseconds:N0} ms  {string.Join(", ", run.Errors.Select(e => $"{e.Key}: {e.Value}"))}");
        if (run.GeneratorLate.Count > 0)
            Console.WriteLine(FormattableString.Invariant($"    the generator sent authorizes late by p50 {run.GeneratorLate.Percentile(0.5):F2} p99 {run.GeneratorLate.Percentile(0.99):F2} max {run.GeneratorLate.Percentile(1):F2} ms"));
        if (run.SlowestPairWitnessed is not null)
            Console.WriteLine($"    slowest pair {run.SlowestPair.Took.TotalMilliseconds:F0} ms; within it: {run.SlowestPairWitnessed}");
    }

    // Each target touches every account (its 'first touch' row) before any timed row. The first timed row is the hot
    // account's: run cold, it paid for the JIT's tiering of the target's code as well, which a warm-up of a second does
    // not cover (with DOTNET_TieredCompilation=0 its CPU per pair halved), and looked costlier than 10,000 accounts.
    foreach (var target in compared)
    {
        if ((only is null || only.Contains(target.Name)) && await LoadRunner.TouchEveryKeyAsync(target, distributions[1], $"{target.Name[..2]}{runs.Count}k") is { } firstTouch)
            Add(firstTouch);
    }
    var uniformPeaks = new Dictionary<HttpPairTarget, RunResult>();
    var wrkRuns = new List<WrkResult>();
    foreach (var keys in distributions)
    {
        foreach (var target in compared)
        {
            if (await RunAsync(target, keys, LoadShape.Closed(callers)) is not { } run || keys != distributions[1]) continue;
            uniformPeaks[target] = run;
            // The same row by an independent generator, right after the bench's own: the same accounts, as warm.
            if (full) wrkRuns.Add(await RunWrkAsync(target));
        }
    }
    if (full || openRate is not null)
    {
        // Latency at half of each target's own peak: a fixed arrival rate, so queueing from a closed loop does not hide it.
        foreach (var (target, peak) in uniformPeaks) await RunAsync(target, distributions[1], LoadShape.Open(openRate ?? peak.Pairs / peak.Seconds / 2));
    }
    // The reference rows last: the in-process row's writes land in Tollgate's own tables, whose rows a compared row
    // after it would have paid for (its PostgreSQL cost per pair read some 10–15 µs higher).
    await RunAsync(ceiling, distributions[1], LoadShape.Closed(callers));
    await RunAsync(inProcess, distributions[1], LoadShape.Closed(callers));
    async Task<WrkResult> RunWrkAsync(HttpPairTarget target)
    {
        var runId = $"wrk{wrkRuns.Count}";
        await SettleDatabaseAsync();
        var wrk = await Wrk.RunAsync(target, accounts, callers, duration, runId);
        await Task.Delay(2_000); // settles wrk had in flight when it stopped still commit; the ledger counts them
        target.AddCharged(await ChargedByRunAsync(postgres.ConnectionString, target == tollgate || target == cohosted ? "ledger" : target == redisPostgres ? "redis_ledger" : "direct_ledger", runId));
        Console.WriteLine($"{wrk.Target,-16} {"uniform (wrk)",-20} {wrk.Load,-24} {wrk.CallsPerSecond,10:N0} calls/s  all calls p50 {wrk.P50:F2} p99 {wrk.P99:F2} ms  denied {wrk.Denied}, failed {wrk.Failed}, socket errors {wrk.SocketErrors}");
        return wrk;
    }

    await gateway.StopAsync();
    await silo.StopAsync(); // deactivates every activation, flushing its holds
    await baseline.StopAsync();
    await gateway.DisposeAsync();
    await silo.DisposeAsync();
    await baseline.DisposeAsync();
    var checks = await CheckInvariantsAsync(postgres.ConnectionString, accounts, credit,
        [("tollgate", "accounts", "ledger", tollgate.TotalCharged + cohosted.TotalCharged + inProcess.TotalCharged), ("redis-postgres", "redis_accounts", "redis_ledger", redisPostgres.TotalCharged), ("postgres-direct", "direct_accounts", "direct_ledger", direct.TotalCharged)]);
    var (inRedis, apart) = await RedisPostgres.CompareWithLedgerAsync(redis.Endpoint, postgres.ConnectionString, "bench-");
    checks.Add($"redis-postgres: {(apart.Count == 0 ? "OK" : "FAILED")}: Redis' credit plus its open holds equals the ledger's balance on {inRedis - apart.Count:N0} of {inRedis:N0} accounts");
    IReadOnlyList<CorrectnessRow> correctness = [];
    if (full && (only is null || only.Contains("correctness"))) correctness = await CorrectnessRun.RunAsync(postgres, redis, Console.WriteLine);
    Console.WriteLine();
    Console.WriteLine(Report.Write(results, mode, machine, $"load average (1, 5, 15 min) {loadBefore} before the run, {Machine.LoadAverage()} after it", runs, wrkRuns, correctness, checks));
}
finally
{
    await redis.DisposeAsync();
    await postgres.StopAsync();
    Directory.Delete(folder, recursive: true);
}

// Accounts are seeded in bulk by SQL, with their initial ledger rows, for Tollgate and for the baseline.
static async Task SeedAsync(string connectionString, int accounts, long credit)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using (var schema = new NpgsqlCommand(BaselineServer.Schema + RedisPostgres.Schema, connection)) await schema.ExecuteNonQueryAsync();
    string[] statements =
    [
        "INSERT INTO accounts (account_id, balance, overdraft_limit, version) SELECT 'bench-' || i, $2, 0, 1 FROM generate_series(0, $1 - 1) i",
        // Every credit is a grant (an account whose balance its open grants do not hold refuses to activate).
        """
        INSERT INTO credit_grants (account_id, grant_id, kind, amount, remaining, priority, effective_at, reason, actor)
        SELECT 'bench-' || i, 'initial', 'paid', $2, $2, 50, now(), 'initial credit', 'bench' FROM generate_series(0, $1 - 1) i
        """,
        """
        INSERT INTO ledger (account_id, kind, op_key, amount, balance_after, requested, reason, actor)
        SELECT 'bench-' || i, 'adjust', 'initial', $2, $2, $2, 'initial credit', 'bench' FROM generate_series(0, $1 - 1) i
        """,
        "INSERT INTO direct_accounts (account_id, balance) SELECT 'bench-' || i, $2 FROM generate_series(0, $1 - 1) i",
        "INSERT INTO direct_ledger (account_id, kind, op_key, amount, balance_after, requested) SELECT 'bench-' || i, 'adjust', 'initial', $2, $2, $2 FROM generate_series(0, $1 - 1) i",
        "INSERT INTO redis_accounts (account_id, balance) SELECT 'bench-' || i, $2 FROM generate_series(0, $1 - 1) i",
        "INSERT INTO redis_ledger (account_id, kind, op_key, amount, balance_after, requested) SELECT 'bench-' || i, 'adjust', 'initial', $2, $2, $2 FROM generate_series(0, $1 - 1) i",
        "INSERT INTO direct_prices SELECT 'bench-model', 2000000, 8000000 WHERE $1::int > 0 AND $2::bigint > 0",
    ];
    foreach (var sql in statements)
    {
        await using var seed = new NpgsqlCommand(sql, connection);
        seed.Parameters.Add(new NpgsqlParameter { Value = accounts });
        seed.Parameters.Add(new NpgsqlParameter { Value = credit });
        await seed.ExecuteNonQueryAsync();
    }
}

static async Task SetPriceAsync(Uri gateway)
{
    using var admin = new HttpClient { BaseAddress = gateway };
    admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "bench-admin");
    using var response = await admin.PostAsync("/admin/models/bench-model/prices",
        new StringContent("""{"input_per_million":2000000,"output_per_million":8000000}""", Encoding.UTF8, "application/json"));
    response.EnsureSuccessStatusCode();
}

// Every account's ledger sums to its balance, and all that was charged is what the load generators were told.
static async Task<List<string>> CheckInvariantsAsync(string connectionString, int accounts, long credit, (string Name, string Accounts, string Ledger, long Expected)[] targets)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    var checks = new List<string>();
    foreach (var (name, accountsTable, ledgerTable, expected) in targets)
    {
        await using var check = new NpgsqlCommand($"""
            SELECT count(*) FILTER (WHERE a.balance <> l.total), ($1::bigint * $2 - sum(a.balance))::bigint
            FROM {accountsTable} a JOIN (SELECT account_id, sum(amount) AS total FROM {ledgerTable} GROUP BY account_id) l USING (account_id)
            """, connection);
        check.Parameters.Add(new NpgsqlParameter { Value = (long)accounts });
        check.Parameters.Add(new NpgsqlParameter { Value = credit });
        await using var reader = await check.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (mismatched, charged) = (reader.GetInt64(0), reader.GetInt64(1));
        var ok = mismatched == 0 && charged == expected;
        checks.Add($"{name}: {(ok ? "OK" : "FAILED")}: {mismatched} accounts whose ledger sum differs from the balance; charged {charged:N0} nano-USD, the load generators expected {expected:N0}");
    }
    return checks;
}

// What the settles of one wrk run charged, by the ledger (its request ids start with the run id).
static async Task<long> ChargedByRunAsync(string connectionString, string ledgerTable, string runId)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand($"SELECT coalesce(sum(-amount), 0)::bigint FROM {ledgerTable} WHERE kind = 'settle' AND op_key LIKE $1", connection);
    command.Parameters.Add(new NpgsqlParameter { Value = runId + "-%" });
    return (long)(await command.ExecuteScalarAsync())!;
}

// Orleans clients connected to the silos' gateway ports, as the silos count them (the silo's own hosted client is not one).
static async Task<long> ConnectedClientsAsync(IGrainFactory grains)
{
    var management = grains.GetGrain<IManagementGrain>(0);
    var silos = (await management.GetHosts(onlyActive: true)).Keys.ToArray();
    return (await management.GetRuntimeStatistics(silos)).Sum(s => s.ClientCount);
}

string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

static string FindRepository()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) return dir.FullName;
    }
    return Directory.GetCurrentDirectory();
}
