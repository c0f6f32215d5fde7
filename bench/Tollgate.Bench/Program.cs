using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Runtime;
using Tollgate.Runtime.Persistence;
using Tollgate.Runtime.Transport;
using Tollgate.Silo;

// Closed-loop load of reserve+settle pairs through the network transport against one silo,
// on a private PostgreSQL with durable commits (fsync on). A first measurement tool; the full
// benchmark suite (baselines, open loop, report) is its own issue.
//   dotnet run -c Release --project bench/Tollgate.Bench -- [accounts] [callers] [seconds]
var accounts = args.Length > 0 ? int.Parse(args[0]) : 1;
var callers = args.Length > 1 ? int.Parse(args[1]) : 64;
var seconds = args.Length > 2 ? int.Parse(args[2]) : 10;

var folder = Path.Combine(Path.GetTempPath(), "tollgate-bench-" + Guid.NewGuid().ToString("N")[..8]);
await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(folder, Ephemeral: false));
try
{
    var silo = await SiloApp.BuildAsync([$"--Postgres:ConnectionString={postgres.ConnectionString}", "--Silo:Port=0", "--Logging:LogLevel:Default=Warning"]);
    await silo.StartAsync();
    var siloAddress = silo.Urls.First();
    var options = new ClusterClientOptions { Silos = [siloAddress] };
    using var directory = new ClusterDirectory(options, NullLogger<ClusterDirectory>.Instance);
    using var client = new GrainClient(TollgateMessages.Create(), directory, options, NullLogger<GrainClient>.Instance);

    const long credit = 1_000_000 * Credits.NanosPerUsd;
    await Parallel.ForEachAsync(Enumerable.Range(0, accounts), async (a, _) =>
        await client.CallAsync(GrainTypes.AccountId($"bench-{a}"), new CreateAccount(0, credit, "bench")));

    Console.WriteLine($"{Environment.ProcessorCount} cores; {accounts} account(s), {callers} closed-loop callers, {seconds} s after a 3 s warm-up");
    var expected = new long[callers];
    async Task<List<long>> RunAsync(int caller, TimeSpan duration, bool record)
    {
        var latencies = new List<long>(1 << 16);
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; Stopwatch.GetTimestamp() < end; i++)
        {
            var account = GrainTypes.AccountId($"bench-{Random.Shared.Next(accounts)}");
            var request = $"{(record ? "m" : "w")}{caller}-{i}";
            var started = Stopwatch.GetTimestamp();
            var reserve = await client.CallAsync(account, new ReserveCredit(request, 2_000_000, 60));
            var afterReserve = Stopwatch.GetTimestamp();
            if (!reserve.Granted) throw new InvalidOperationException(reserve.Denial);
            var settle = await client.CallAsync(account, new SettleCredit(request, 1_234_567));
            var done = Stopwatch.GetTimestamp();
            expected[caller] += settle.Charged;
            if (record)
            {
                latencies.Add(afterReserve - started);
                latencies.Add(done - afterReserve);
            }
        }
        return latencies;
    }

    await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(() => RunAsync(c, TimeSpan.FromSeconds(3), record: false))));
    var clock = Stopwatch.StartNew();
    var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(() => RunAsync(c, TimeSpan.FromSeconds(seconds), record: true))));
    var elapsed = clock.Elapsed.TotalSeconds;
    var all = results.SelectMany(l => l).Order().ToArray();
    double Ms(double quantile) => all[(int)Math.Min(all.Length - 1, quantile * all.Length)] * 1000.0 / Stopwatch.Frequency;
    Console.WriteLine($"calls/s {all.Length / elapsed:N0} ({all.Length / 2 / elapsed:N0} reserve+settle pairs/s); latency per call p50 {Ms(0.5):F2} ms, p90 {Ms(0.9):F2} ms, p99 {Ms(0.99):F2} ms, p99.9 {Ms(0.999):F2} ms");

    await silo.StopAsync();
    await using var check = new NpgsqlConnection(postgres.ConnectionString);
    await check.OpenAsync();
    await using var invariant = new NpgsqlCommand("""
        SELECT count(*) FILTER (WHERE a.balance <> l.total), sum($1 - a.balance)::bigint
        FROM accounts a JOIN (SELECT account_id, sum(amount) AS total FROM ledger GROUP BY account_id) l USING (account_id)
        """, check);
    invariant.Parameters.Add(new NpgsqlParameter { Value = credit });
    await using var reader = await invariant.ExecuteReaderAsync();
    await reader.ReadAsync();
    Console.WriteLine($"accounts whose ledger sum differs from the balance: {reader.GetInt64(0)}; charged {reader.GetInt64(1)} nano-USD, expected {expected.Sum()}");
}
finally
{
    await postgres.StopAsync();
    Directory.Delete(folder, recursive: true);
}
