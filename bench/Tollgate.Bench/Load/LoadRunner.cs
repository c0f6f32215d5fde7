using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime;
using Tollgate.Bench.Targets;

namespace Tollgate.Bench.Load;

/// <summary>How load is offered: N callers in a closed loop, or a fixed arrival rate (open loop).</summary>
public sealed record LoadShape(string Kind, int Callers, double PairsPerSecond)
{
    public static LoadShape Closed(int callers) => new("closed", callers, 0);

    public static LoadShape Open(double pairsPerSecond) => new("open", 0, pairsPerSecond);

    public override string ToString() => Kind == "closed" ? $"closed, {Callers} callers" : $"open, {PairsPerSecond:0} pairs/s";
}

/// <summary>What a run measured.</summary>
public sealed class RunResult
{
    public required string Target { get; init; }
    public required string Distribution { get; init; }
    public required string Load { get; init; }
    public required double Seconds { get; set; }
    public long Pairs { get; set; }
    public long Charged { get; set; }
    public LatencyHistogram Authorize { get; } = new();
    public LatencyHistogram Settle { get; } = new();
    public LatencyHistogram Pair { get; } = new();

    /// <summary>Open loop: how late the generator started each pair after its scheduled start (part of every latency above).</summary>
    public LatencyHistogram GeneratorLate { get; } = new();
    public ConcurrentDictionary<string, long> Errors { get; } = new();

    /// <summary>
    /// This process's garbage collection pauses during the run: the silo, the gateway, the baselines' front
    /// and the load generator share one heap here, so a pause stalls all of them at once.
    /// </summary>
    public TimeSpan GcPaused { get; set; }

    /// <summary>The slowest pair's time (from its start, or its scheduled start in an open loop) and when it started (a <see cref="Stopwatch"/> timestamp).</summary>
    public (TimeSpan Took, long Started) SlowestPair { get; set; }

    /// <summary>What fell within the slowest pair's time (see <see cref="StallWitness"/>); null for a run not watched.</summary>
    public string? SlowestPairWitnessed { get; set; }

    /// <summary>The longest of those pauses: what an unlucky call waits, whatever the total.</summary>
    public TimeSpan LongestGcPause { get; set; }

    /// <summary>"total (longest)" pause in ms.</summary>
    public string GcPausedCell => FormattableString.Invariant($"{GcPaused.TotalMilliseconds:N0} ({LongestGcPause.TotalMilliseconds:N0})");

    /// <summary>This process's collections of each generation during the run.</summary>
    public GcWork Gc { get; set; }

    /// <summary>Bytes this process (all of its parts) allocated per pair, sampled in a slice of the same load before the timed run; null when not sampled.</summary>
    public double? AllocatedBytesPerPair { get; set; }

    /// <summary>Kilobytes this process allocated per pair.</summary>
    public string AllocatedPerPair => AllocatedBytesPerPair is { } bytes ? FormattableString.Invariant($"{bytes / 1024:F1}") : "";

    /// <summary>CPU used during the timed run by this process, PostgreSQL (its ended backends included) and Redis.</summary>
    public CpuTime Cpu { get; set; }

    /// <summary>Methods the JIT compiled in this process during the timed run (tier-ups included), and the seconds it spent.</summary>
    public (long Methods, TimeSpan Time) Jit { get; set; }

    /// <summary>Seconds the warm-up took before the timed run (longer than asked while the JIT was still busy).</summary>
    public double WarmUpSeconds { get; set; }

    /// <summary>CPU microseconds per pair (authorize and settle) by this process, PostgreSQL and Redis.</summary>
    public string CpuPerPair => Pairs == 0 || Cpu == default ? "" : FormattableString.Invariant(
        $"{Cpu.Bench.TotalMicroseconds / Pairs:F0} / {Cpu.Postgres.TotalMicroseconds / Pairs:F0} / {Cpu.Redis.TotalMicroseconds / Pairs:F0}");

    public RunResult Timed(TimeSpan elapsed)
    {
        Seconds = elapsed.TotalSeconds;
        return this;
    }

    /// <summary>Calls per second, counting authorize and settle each as one.</summary>
    public double CallsPerSecond => 2 * Pairs / Seconds;
}

/// <summary>What this process's garbage collector did: collections of generations 0, 1 and 2.</summary>
public readonly record struct GcWork(int Gen0, int Gen1, int Gen2)
{
    public static GcWork Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    public static GcWork operator -(GcWork after, GcWork before) => new(after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2);

    public override string ToString() => $"{Gen0}/{Gen1}/{Gen2}";
}

/// <summary>Offers load to a target: a warm-up whose results are dropped, then a timed run.</summary>
public static class LoadRunner
{
    private const int MaxInFlight = 20_000; // open loop: beyond this the target has fallen behind; count, do not pile up

    // Accounts bench-0 .. bench-(n-1) each target has run a pair for: every distribution draws from the same accounts.
    private static readonly ConcurrentDictionary<string, int> Touched = new();

    /// <param name="database">PostgreSQL, watched during the timed run for what the slowest pair waited on (<see cref="StallWitness"/>).</param>
    public static async Task<RunResult> RunAsync(IPairTarget target, KeyDistribution keys, LoadShape shape, TimeSpan warmUp, TimeSpan duration, string runId,
        string database)
    {
        var warmUpStarted = Stopwatch.GetTimestamp();
        await WarmUpAsync(target, keys, shape, warmUp, runId);
        var result = new RunResult { Target = target.Name, Distribution = keys.Name, Load = shape.ToString(), Seconds = duration.TotalSeconds };
        result.WarmUpSeconds = Stopwatch.GetElapsedTime(warmUpStarted).TotalSeconds;
        result.AllocatedBytesPerPair = await AllocationPerPairAsync(target, keys, shape, runId);
        var (jitMethods, jitTime) = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
        var pausedBefore = GC.GetTotalPauseDuration();
        GcPauses.Listener.TakeLongest();
        var gcBefore = GcWork.Now();
        var cpuBefore = CpuTime.Now();
        var (startedUtc, started) = (DateTime.UtcNow, Stopwatch.GetTimestamp());
        await using var witness = StallWitness.Start(database);
        await OfferAsync(target, keys, shape, duration, runId, result);
        result.Cpu = CpuTime.Now() - cpuBefore;
        result.Gc = GcWork.Now() - gcBefore;
        result.GcPaused = GC.GetTotalPauseDuration() - pausedBefore;
        result.LongestGcPause = GcPauses.Listener.TakeLongest();
        result.Jit = (JitInfo.GetCompiledMethodCount() - jitMethods, JitInfo.GetCompilationTime() - jitTime);
        await Task.Delay(500); // the runtime's GC events and the witness's last sample arrive a little late
        var slowestFrom = startedUtc + Stopwatch.GetElapsedTime(started, result.SlowestPair.Started);
        result.SlowestPairWitnessed = witness.Explain(slowestFrom, slowestFrom + result.SlowestPair.Took);
        return result;
    }

    /// <summary>Most methods the JIT may compile in a second of warm-up for the code to count as warm.</summary>
    public const int WarmJitMethodsPerSecond = 20;

    /// <summary>Most seconds a warm-up goes on past the time asked, waiting for the JIT to go quiet.</summary>
    public const int MaxExtraWarmUpSeconds = 30;

    /// <summary>
    /// Load for <paramref name="warmUp"/>, then on, a second at a time, while the JIT still compiles (tiering the target's code
    /// up: a long-running silo did that long ago). After a warm-up of a second, the hot account's row, the first timed one,
    /// still compiled more than 20 methods a second for eight seconds more.
    /// </summary>
    private static async Task WarmUpAsync(IPairTarget target, KeyDistribution keys, LoadShape shape, TimeSpan warmUp, string runId)
    {
        await OfferAsync(target, keys, shape, warmUp, $"{runId}w", null);
        for (var second = 0; second < MaxExtraWarmUpSeconds; second++)
        {
            var compiled = JitInfo.GetCompiledMethodCount();
            await OfferAsync(target, keys, shape, TimeSpan.FromSeconds(1), $"{runId}w{second}", null);
            if (JitInfo.GetCompiledMethodCount() - compiled <= WarmJitMethodsPerSecond) return;
        }
    }

    /// <summary>How long a row's allocation is sampled, after its warm-up (see <see cref="AllocatedBytes"/>).</summary>
    public static readonly TimeSpan AllocationSlice = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Bytes allocated per pair in a slice of the row's own load, warm, with the allocation events on: they stay off while the row
    /// is timed, where they would cost the process some of the CPU that decides its throughput. Null if no pair completed.
    /// </summary>
    private static async Task<double?> AllocationPerPairAsync(IPairTarget target, KeyDistribution keys, LoadShape shape, string runId)
    {
        var slice = new RunResult { Target = target.Name, Distribution = keys.Name, Load = shape.ToString(), Seconds = AllocationSlice.TotalSeconds };
        var bytes = await AllocatedBytes.Listener.CountAsync(() => OfferAsync(target, keys, shape, AllocationSlice, $"{runId}a", slice));
        return slice.Pairs == 0 ? null : (double)bytes / slice.Pairs;
    }

    /// <summary>
    /// One pair for every key not yet touched on this target, 64 at a time; null when all were. A
    /// long-running fleet has its active accounts in memory (and the baseline its rows in PostgreSQL's
    /// cache), so timed runs should not mostly measure first activations; this pass measures those.
    /// </summary>
    public static async Task<RunResult?> TouchEveryKeyAsync(IPairTarget target, KeyDistribution keys, string runId)
    {
        var touched = Touched.GetValueOrDefault(target.Name);
        if (touched >= keys.Keys) return null;
        var pairs = new RunResult { Target = target.Name, Distribution = keys.Name, Load = "first touch of each account, 64 callers", Seconds = 0 };
        var next = touched - 1;
        var started = Stopwatch.GetTimestamp();
        var pausedBefore = GC.GetTotalPauseDuration();
        GcPauses.Listener.TakeLongest();
        await Task.WhenAll(Enumerable.Range(0, 64).Select(c => Task.Run(async () =>
        {
            for (var key = Interlocked.Increment(ref next); key < keys.Keys; key = Interlocked.Increment(ref next))
            {
                var began = Stopwatch.GetTimestamp();
                Record(pairs, await target.RunPairAsync(AccountId(key), $"{runId}-{key}"), began);
            }
        })));
        Touched[target.Name] = keys.Keys;
        pairs.GcPaused = GC.GetTotalPauseDuration() - pausedBefore;
        pairs.LongestGcPause = GcPauses.Listener.TakeLongest();
        return pairs.Timed(Stopwatch.GetElapsedTime(started));
    }

    private static Task OfferAsync(IPairTarget target, KeyDistribution keys, LoadShape shape, TimeSpan duration, string runId, RunResult? result) =>
        shape.Kind == "closed"
            ? Task.WhenAll(Enumerable.Range(0, shape.Callers).Select(c => Task.Run(() => CallerAsync(target, keys, duration, $"{runId}-{c}", result))))
            : ArrivalsAsync(target, keys, shape.PairsPerSecond, duration, runId, result);

    private static async Task CallerAsync(IPairTarget target, KeyDistribution keys, TimeSpan duration, string callerId, RunResult? result)
    {
        var random = new Random(callerId.GetHashCode(StringComparison.Ordinal));
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; Stopwatch.GetTimestamp() < end; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var pair = await target.RunPairAsync(AccountId(keys.Next(random)), $"{callerId}-{i}");
            if (result is not null) Record(result, pair, started);
        }
    }

    /// <summary>
    /// Starts pairs on a fixed schedule, whether or not earlier ones finished; latency counts from the scheduled start (no
    /// coordinated omission). The schedule runs on a thread of its own, which sends each pair's first request itself, as a
    /// client outside this process would: a timer's continuation on the thread pool would wait behind the work queued
    /// there by the target under test, and count that wait against the target as the generator's lateness.
    /// </summary>
    private static async Task ArrivalsAsync(IPairTarget target, KeyDistribution keys, double rate, TimeSpan duration, string runId, RunResult? result)
    {
        var inFlight = new ConcurrentDictionary<int, Task>();
        var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var schedule = new Thread(() =>
        {
            try
            {
                Schedule(target, keys, rate, duration, runId, result, inFlight);
                scheduled.SetResult();
            }
            catch (Exception e)
            {
                scheduled.SetException(e);
            }
        })
        { IsBackground = true, Name = "open-loop schedule" };
        schedule.Start();
        await scheduled.Task;
        await Task.WhenAll(inFlight.Values);
    }

    private static void Schedule(IPairTarget target, KeyDistribution keys, double rate, TimeSpan duration, string runId, RunResult? result,
        ConcurrentDictionary<int, Task> inFlight)
    {
        var random = new Random(runId.GetHashCode(StringComparison.Ordinal));
        var begin = Stopwatch.GetTimestamp();
        var total = (int)(rate * duration.TotalSeconds);
        for (var i = 0; i < total; i++)
        {
            var due = begin + (long)(i / rate * Stopwatch.Frequency);
            // Sleeps are a millisecond long at the least: a pair due sooner goes now, up to a millisecond early, and its
            // latency counts from when it went.
            while (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due) >= TimeSpan.FromMilliseconds(1)) Thread.Sleep(1);
            if (inFlight.Count >= MaxInFlight)
            {
                result?.Errors.AddOrUpdate("not_started_backlog", 1, (_, n) => n + 1);
                continue;
            }
            var index = i;
            var pair = ScheduledPairAsync(target, AccountId(keys.Next(random)), $"{runId}-{index}", due, result);
            inFlight[index] = pair;
            _ = pair.ContinueWith(_ => inFlight.TryRemove(index, out var _), TaskScheduler.Default);
        }
    }

    /// <param name="due">When the pair was due to start (a <see cref="Stopwatch"/> timestamp).</param>
    private static async Task ScheduledPairAsync(IPairTarget target, string account, string pairId, long due, RunResult? result)
    {
        var began = Stopwatch.GetTimestamp();
        var late = began > due ? Stopwatch.GetElapsedTime(due, began) : TimeSpan.Zero;
        var pair = await target.RunPairAsync(account, pairId);
        // The authorize counts from the scheduled start too: a generator that fell behind does not hide a stall.
        if (pair.Error is null) pair = pair with { Authorize = pair.Authorize + late };
        if (result is null) return;
        result.GeneratorLate.Record(late);
        Record(result, pair, Math.Min(due, began));
    }

    public static string AccountId(int key) => $"bench-{key}";

    /// <param name="started">When the pair started, or was due to (a <see cref="Stopwatch"/> timestamp): its time counts from then.</param>
    private static void Record(RunResult result, PairResult pair, long started)
    {
        var total = Stopwatch.GetElapsedTime(started);
        if (pair.Error is not null)
        {
            result.Errors.AddOrUpdate(pair.Error, 1, (_, n) => n + 1);
            return;
        }
        lock (result)
        {
            result.Pairs++;
            result.Charged += pair.Charged;
            if (total > result.SlowestPair.Took) result.SlowestPair = (total, started);
        }
        result.Authorize.Record(pair.Authorize);
        result.Settle.Record(pair.Settle);
        result.Pair.Record(total);
    }
}
