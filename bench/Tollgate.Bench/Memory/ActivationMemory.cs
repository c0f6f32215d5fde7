using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using Tollgate.Persistence;
using Tollgate.Silo;

namespace Tollgate.Bench.Memory;

/// <summary>
/// <c>--memory</c>: what idle activations cost. One Orleans silo in this process on a private PostgreSQL;
/// first each kind of grain is activated (N of each, by a cheap read that loads real state) and measured
/// as live managed bytes per activation, with Orleans' own activation count (its management grain) as the
/// check that they exist; then accounts up to a million are activated and the silo's heap, working set,
/// activation rate and time to shut down reported; with <c>--changed-windows</c> those accounts have limits and one
/// authorize each, so the shutdown writes a checkpoint of each (<see cref="ChangedWindows"/>).
/// <code>dotnet run -c Release --project bench/Tollgate.Bench -- --memory [--accounts 1000000] [--per-kind 20000] [--changed-windows]</code>
/// </summary>
public static class ActivationMemory
{
    private const int InFlight = 256;
    private const int WarmUpPerKind = 1_000; // JIT, connection pool, prepared statements: before any "before"
    private const int ProgressEvery = 100_000;
    private const string ServiceId = "tollgate";

    public static async Task RunAsync(string[] args, string resultsFolder)
    {
        var accounts = IntOption(args, "--accounts") ?? 1_000_000;
        var perKind = IntOption(args, "--per-kind") ?? 20_000;
        var changedWindows = args.Contains(ChangedWindows.Option);
        var firstUnmeasured = WarmUpPerKind + perKind; // accounts below this were activated by the first part

        var folder = Path.Combine(Path.GetTempPath(), "tollgate-memory-" + Guid.NewGuid().ToString("N")[..8]);
        // fsync off: nothing here measures writes, and a million rows load faster.
        await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(folder, Ephemeral: true));
        await using var database = NpgsqlDataSource.Create(postgres.ConnectionString);
        await SiloDatabase.MigrateAsync(postgres.ConnectionString, logLevel: Microsoft.Extensions.Logging.LogLevel.Warning); // the silo then finds nothing to migrate
        await using var silo = await SiloApp.BuildAsync([
            $"--Postgres:ConnectionString={postgres.ConnectionString}", $"--Urls=http://127.0.0.1:{Machine.FreePort()}", "--Logging:LogLevel:Default=Warning",
            "--Silo:AdvertisedAddress=127.0.0.1", $"--Silo:SiloPort={Machine.FreePort()}", $"--Silo:GatewayPort={Machine.FreePort()}", $"--Silo:ServiceId={ServiceId}",
            $"--Limits:CheckpointInterval={ChangedWindows.CheckpointInterval}", // no periodic checkpoint: --changed-windows leaves them all to the stop
        ], services =>
        {
            // Nothing is idle that long here: every activation stays to be measured.
            services.Configure<GrainCollectionOptions>(collection => collection.CollectionAge = TimeSpan.FromDays(1));
            // A million activations deactivate on stop: give that its time rather than cutting it off at the default 30 s.
            services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(10));
        });
        var seed = new MemorySeed(database, ServiceId);
        foreach (var kind in ActivationKind.All) await kind.SeedAsync(seed, 0, firstUnmeasured);
        await seed.AnalyzeAsync();
        await silo.StartAsync();
        var grains = silo.Services.GetRequiredService<IGrainFactory>(); // the silo's hosted client: calls loop back inside the silo
        var census = new ActivationCensus(grains);
        var baseline = ManagedHeap.LiveBytes();
        var baselineActivations = await census.TotalAsync();
        var dashboard = silo.Services.GetRequiredService<IConfiguration>().GetValue("Silo:Dashboard", defaultValue: false);
        var setup = string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, Orleans {Machine.OrleansVersion()}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC. One Orleans silo in this process (PostgreSQL membership and grain storage), PostgreSQL (fsync off) on the same machine; calls through the silo's own IGrainFactory (its hosted client), {InFlight} in flight; idle collection age (GrainCollectionOptions.CollectionAge) 1 day, so nothing is collected while measuring. {WarmUpPerKind:N0} activations of each kind warm up first. The Orleans dashboard's statistics {(dashboard ? "on" : "off")} (Silo:Dashboard).");
        Console.WriteLine(setup);

        var answered = new Dictionary<string, int>(StringComparer.Ordinal);
        void Count(ActivationKind kind, ActivationRun run)
        {
            var name = ActivationCensus.ClassName(kind.GrainClass);
            answered[name] = answered.GetValueOrDefault(name) + run.Succeeded;
        }

        foreach (var kind in ActivationKind.All) Count(kind, await ActivationDriver.ActivateAsync(grains, kind, 0, WarmUpPerKind, InFlight));
        var measured = new List<(ActivationKind Kind, ActivationRun Run, int Added, double SmallEach)>();
        var tablesBefore = ManagedHeap.Parts().Large;
        foreach (var kind in ActivationKind.All)
        {
            var activationsBefore = await census.TotalAsync();
            var before = ManagedHeap.Parts().Small;
            var run = await ActivationDriver.ActivateAsync(grains, kind, WarmUpPerKind, firstUnmeasured, InFlight);
            var smallEach = (double)(ManagedHeap.Parts().Small - before) / Math.Max(1, run.Succeeded);
            var added = await census.TotalAsync() - activationsBefore;
            Count(kind, run);
            measured.Add((kind, run, added, smallEach));
        }
        // The large heap's growth over every activation measured: each activation's share of Orleans' tables.
        var tablesEach = (double)(ManagedHeap.Parts().Large - tablesBefore) / Math.Max(1, measured.Sum(m => m.Run.Succeeded));
        var kinds = measured.Select(m => new KindMeasurement(m.Kind, m.Run, m.Added, m.SmallEach + tablesEach, tablesEach)).ToList();
        foreach (var (kind, run, added, bytesEach, _) in kinds)
            Console.WriteLine($"{kind.Name,-20} {run.Succeeded,9:N0} activations ({added:N0} counted by Orleans)  {bytesEach,7:N0} bytes each ({tablesEach:N0} of them Orleans' tables)  {run.Elapsed.TotalSeconds,6:F1} s  failures: {run.FailureSummary}");

        var scale = await ActivateAccountsAsync(grains, seed, firstUnmeasured, accounts, changedWindows ? ActivationKind.SomeLimits : null);
        Count(ActivationKind.Account, scale.Run);
        var total = await census.TotalAsync();
        var byClass = await census.ByClassAsync();
        var statisticsCall = await census.TimeByClassAsync();
        var idle = await IdleCpuAsync();
        var changed = changedWindows ? await ChangeWindowsAsync(grains, database, firstUnmeasured, accounts) : null;

        var stopping = Stopwatch.GetTimestamp();
        await silo.StopAsync(); // deactivates every activation: how long that takes at this size is worth knowing
        var shutdown = Stopwatch.GetElapsedTime(stopping);
        if (changed is not null) changed = changed with { After = await ChangedWindows.CheckpointsAsync(database) };
        scale = scale with { TotalActivations = total, StatisticsCall = statisticsCall, IdleCpu = idle, Shutdown = shutdown, Changed = changed };
        Console.WriteLine($"silo stopped in {shutdown.TotalSeconds:F1} s" + (changed is null ? "" : $"; {changed.WrittenAtStop:N0} checkpoints written"));

        Console.WriteLine();
        Console.WriteLine(MemoryReport.Write(resultsFolder, setup, baseline, baselineActivations, kinds, scale, answered, byClass));
    }

    /// <summary>Seeds and activates accounts [<paramref name="from"/>, <paramref name="accounts"/>) on top of what is active already.</summary>
    private static async Task<ScaleMeasurement> ActivateAccountsAsync(IGrainFactory grains, MemorySeed seed, int from, int accounts, string? limitsJson)
    {
        var to = Math.Max(from, accounts);
        var seeding = Stopwatch.GetTimestamp();
        await seed.AccountsAsync(ActivationKind.AccountPrefix, from, to, limitsJson);
        await seed.AnalyzeAsync();
        Console.WriteLine($"seeded {to - from:N0} more accounts in {Stopwatch.GetElapsedTime(seeding).TotalSeconds:F1} s; activating them");

        var before = ManagedHeap.LiveBytes();
        var gc = GcActivity.Now();
        var run = await ActivationDriver.ActivateAsync(grains, ActivationKind.Account, from, to, InFlight, ProgressEvery, Progress("activated"));
        var activity = GcActivity.Now().Since(gc);
        var after = ManagedHeap.Snapshot();
        Console.WriteLine($"{run.Succeeded:N0} accounts activated in {run.Elapsed.TotalSeconds:F1} s; failures: {run.FailureSummary}");
        return new ScaleMeasurement(accounts, run, before, after, activity, TotalActivations: 0, StatisticsCall: TimeSpan.Zero, IdleCpu: TimeSpan.Zero, Shutdown: TimeSpan.Zero, Changed: null);
    }

    /// <summary>
    /// The CPU this process spends per second while nothing calls it: what holding the activations costs by itself (timers,
    /// idle collection, and whatever reads the runtime's metrics, such as the Orleans dashboard's collection every second).
    /// </summary>
    private static async Task<TimeSpan> IdleCpuAsync()
    {
        var window = TimeSpan.FromSeconds(10);
        using var process = Process.GetCurrentProcess();
        var before = process.TotalProcessorTime;
        await Task.Delay(window);
        process.Refresh();
        var perSecond = (process.TotalProcessorTime - before) / window.TotalSeconds;
        Console.WriteLine($"idle: {perSecond.TotalMilliseconds:N0} ms of CPU per second over {window.TotalSeconds:N0} s");
        return perSecond;
    }

    /// <summary>
    /// One authorize on each account with limits: the first part's (<see cref="ActivationKind.LimitedAccount"/>) and those
    /// of the scale phase, as many as <c>--accounts</c> in all; then how many checkpoints PostgreSQL holds before the stop.
    /// </summary>
    private static async Task<ChangedWindowsRun> ChangeWindowsAsync(IGrainFactory grains, NpgsqlDataSource database, int firstUnmeasured, int accounts)
    {
        var limited = ActivationKind.Account with
        {
            Key = i => i < firstUnmeasured ? ActivationKind.LimitedAccount.Key(i) : ActivationKind.Account.Key(i),
            TouchAsync = ChangedWindows.AuthorizeAsync,
        };
        var run = await ActivationDriver.ActivateAsync(grains, limited, 0, Math.Max(firstUnmeasured, accounts), InFlight, ProgressEvery, Progress("authorized"));
        var live = ManagedHeap.LiveBytes();
        var before = await ChangedWindows.CheckpointsAsync(database);
        Console.WriteLine($"{run.Succeeded:N0} accounts authorized once in {run.Elapsed.TotalSeconds:F1} s; failures: {run.FailureSummary}; {before:N0} checkpoints in PostgreSQL before the stop");
        return new ChangedWindowsRun(run, live, before, After: 0);
    }

    /// <summary>A progress line every <see cref="ProgressEvery"/> calls, with the rate of the last ones.</summary>
    private static Action<int, TimeSpan> Progress(string done)
    {
        var last = (Count: 0, Elapsed: TimeSpan.Zero);
        return (count, elapsed) =>
        {
            var recent = (count - last.Count) / (elapsed - last.Elapsed).TotalSeconds;
            last = (count, elapsed);
            Console.WriteLine($"  {count,9:N0} {done} in {elapsed.TotalSeconds,6:F1} s  (last {ProgressEvery:N0} at {recent:N0}/s; heap {GC.GetTotalMemory(false) / 1024 / 1024:N0} MiB)");
        };
    }

    private static int? IntOption(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;
}
