using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Tollgate.Runtime.Cluster;
using Tollgate.Runtime.Hosting;
using Tollgate.Runtime.Persistence;
using Tollgate.Silo;

namespace Tollgate.Bench.Memory;

/// <summary>
/// <c>--memory</c>: what idle activations cost. One silo in this process on a private PostgreSQL;
/// first each kind of grain is activated (N of each, by a cheap read that loads real state) and
/// measured as live managed bytes per activation; then accounts up to a million are activated and
/// the silo's heap and working set reported, with how its lease upkeep fared meanwhile.
/// <para>
/// At a million activations, watch the catalog's whole-dictionary passes: DropPartition
/// (src/Runtime/Activations/Catalog.cs) walks every activation once per lost partition, on the
/// thread that renews leases, as do idle collection and handoffs; the report times one pass.
/// </para>
/// <code>dotnet run -c Release --project bench/Tollgate.Bench -- --memory [--accounts 1000000] [--per-kind 20000] [--drill-partitions 0]</code>
/// <c>--drill-partitions K</c> then makes the silo lose K partitions (<see cref="PartitionLossDrill"/>) before it stops.
/// </summary>
public static class ActivationMemory
{
    private const int InFlight = 256;
    private const int WarmUpPerKind = 1_000; // JIT, connection pool, prepared statements: before any "before"
    private const int ProgressEvery = 100_000;

    public static async Task RunAsync(string[] args, string resultsFolder)
    {
        var accounts = IntOption(args, "--accounts") ?? 1_000_000;
        var perKind = IntOption(args, "--per-kind") ?? 20_000;
        var drillPartitions = IntOption(args, "--drill-partitions") ?? 0;
        var firstUnmeasured = WarmUpPerKind + perKind; // accounts below this were activated by the first part

        var folder = Path.Combine(Path.GetTempPath(), "tollgate-memory-" + Guid.NewGuid().ToString("N")[..8]);
        // fsync off: nothing here measures writes, and a million rows load faster.
        await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(folder, Ephemeral: true));
        await using var database = NpgsqlDataSource.Create(postgres.ConnectionString);
        await using var silo = await SiloApp.BuildAsync([
            $"--Postgres:ConnectionString={postgres.ConnectionString}", "--Silo:Port=0", "--Logging:LogLevel:Default=Warning",
            "--Silo:IdleDeactivationAge=1.00:00:00", // nothing is idle that long here: every activation stays to be measured
        ]); // migrates
        var seed = new MemorySeed(database);
        foreach (var kind in ActivationKind.All) await kind.SeedAsync(seed, 0, firstUnmeasured);
        await seed.AnalyzeAsync();
        await silo.StartAsync();
        var grains = silo.Services.GetRequiredService<LocalGrainCaller>();
        var siloAddress = silo.Services.GetRequiredService<SiloIdentity>().Address;
        var census = CatalogCensus.Find(silo.Services);
        var baseline = ManagedHeap.LiveBytes();
        var setup = string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC. One silo in this process, PostgreSQL (fsync off) on the same machine; calls through the in-process LocalGrainCaller, {InFlight} in flight; idle deactivation age 1 day, so nothing is collected while measuring. {WarmUpPerKind:N0} activations of each kind warm up first.");
        Console.WriteLine(setup);

        var answered = new Dictionary<string, int>(StringComparer.Ordinal);
        void Count(ActivationKind kind, ActivationRun run) =>
            answered[kind.Grain(0).Type] = answered.GetValueOrDefault(kind.Grain(0).Type) + run.Succeeded;

        var kindWatch = LeaseWatch.Start(database, siloAddress);
        foreach (var kind in ActivationKind.All) Count(kind, await ActivationDriver.ActivateAsync(grains, kind, 0, WarmUpPerKind, InFlight));
        var kinds = new List<KindMeasurement>();
        foreach (var kind in ActivationKind.All)
        {
            var before = ManagedHeap.LiveBytes();
            var run = await ActivationDriver.ActivateAsync(grains, kind, WarmUpPerKind, firstUnmeasured, InFlight);
            var bytesEach = (double)(ManagedHeap.LiveBytes() - before) / Math.Max(1, run.Succeeded);
            Count(kind, run);
            kinds.Add(new KindMeasurement(kind, run, bytesEach));
            Console.WriteLine($"{kind.Name,-20} {run.Succeeded,9:N0} activations  {bytesEach,7:N0} bytes each  {run.Elapsed.TotalSeconds,6:F1} s  failures: {run.FailureSummary}");
        }
        var kindLeases = await kindWatch.StopAsync();

        var scale = await ActivateAccountsAsync(grains, seed, database, siloAddress, firstUnmeasured, accounts);
        Count(ActivationKind.Account, scale.Run);
        var counted = census.CountByType();
        var catalogPass = census.TimeOnePass();
        DrillResult? drill = null;
        if (drillPartitions > 0)
        {
            // Long enough for a stall as long as one pass per lost partition (the catalog before it was indexed by partition) and the heartbeat after it.
            var observeFor = TimeSpan.FromSeconds(12) + 2 * drillPartitions * catalogPass;
            Console.WriteLine($"losing {drillPartitions} partitions; watching the silo for {observeFor.TotalSeconds:F0} s");
            drill = await PartitionLossDrill.RunAsync(database, siloAddress, census, drillPartitions, observeFor);
        }

        var stopping = Stopwatch.GetTimestamp();
        await silo.StopAsync(); // flushes and deactivates every activation: how long that takes at this size is worth knowing
        scale = scale with { CatalogPass = catalogPass, Shutdown = Stopwatch.GetElapsedTime(stopping) };

        Console.WriteLine();
        Console.WriteLine(MemoryReport.Write(resultsFolder, setup, baseline, kinds, kindLeases, scale, drill, answered, counted));
    }

    /// <summary>Seeds and activates accounts [<paramref name="from"/>, <paramref name="accounts"/>) on top of what is active already.</summary>
    private static async Task<ScaleMeasurement> ActivateAccountsAsync(LocalGrainCaller grains, MemorySeed seed, NpgsqlDataSource database,
        string siloAddress, int from, int accounts)
    {
        var to = Math.Max(from, accounts);
        var seeding = Stopwatch.GetTimestamp();
        await seed.AccountsAsync(ActivationKind.AccountPrefix, from, to, limitsJson: null);
        await seed.AnalyzeAsync();
        Console.WriteLine($"seeded {to - from:N0} more accounts in {Stopwatch.GetElapsedTime(seeding).TotalSeconds:F1} s; activating them");

        var before = ManagedHeap.LiveBytes();
        var gc = GcActivity.Now();
        var watch = LeaseWatch.Start(database, siloAddress);
        var last = (Count: 0, Elapsed: TimeSpan.Zero);
        var run = await ActivationDriver.ActivateAsync(grains, ActivationKind.Account, from, to, InFlight, ProgressEvery, (count, elapsed) =>
        {
            var recent = (count - last.Count) / (elapsed - last.Elapsed).TotalSeconds;
            last = (count, elapsed);
            Console.WriteLine($"  {count,9:N0} activated in {elapsed.TotalSeconds,6:F1} s  (last {ProgressEvery:N0} at {recent:N0}/s; heap {GC.GetTotalMemory(false) / 1024 / 1024:N0} MiB)");
        });
        var activity = GcActivity.Now().Since(gc);
        var after = ManagedHeap.Snapshot();
        var leases = await watch.StopAsync(); // after the forced collections: they pause the silo's lease upkeep too
        Console.WriteLine($"{run.Succeeded:N0} accounts activated in {run.Elapsed.TotalSeconds:F1} s; failures: {run.FailureSummary}; {leases}");
        return new ScaleMeasurement(accounts, run, before, after, activity, leases, CatalogPass: null, Shutdown: TimeSpan.Zero);
    }

    private static int? IntOption(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;
}
