using System.Globalization;
using System.Text;

namespace Tollgate.Bench.Memory;

/// <summary>
/// What one kind of activation costs: the small objects activating <see cref="ActivationRun.Succeeded"/> of them added, divided by
/// that count, plus <see cref="TablesEach"/>, an activation's share of the large arrays of Orleans' tables (see <see cref="ManagedHeap.Parts"/>);
/// <see cref="CountedByOrleans"/> is how many activations Orleans' count grew by meanwhile.
/// </summary>
internal sealed record KindMeasurement(ActivationKind Kind, ActivationRun Run, int CountedByOrleans, double BytesEach, double TablesEach);

/// <summary>The silo with (up to) a million account activations; <see cref="Changed"/>: with <c>--changed-windows</c>.</summary>
internal sealed record ScaleMeasurement(
    int Accounts,
    ActivationRun Run,
    long LiveBytesBefore,
    ProcessMemory After,
    GcActivity Gc,
    int TotalActivations,
    TimeSpan StatisticsCall,
    TimeSpan IdleCpu,
    TimeSpan Shutdown,
    ChangedWindowsRun? Changed)
{
    /// <summary>Live bytes the phase added per account it activated: includes the growth of Orleans' catalog and directory at this scale.</summary>
    public double? BytesPerAccount => Run.Succeeded > 0 ? (double)(After.LiveBytes - LiveBytesBefore) / Run.Succeeded : null;
}

/// <summary>Collections and pause time while a phase ran (before the measurement's own forced collections).</summary>
internal readonly record struct GcActivity(int Gen0, int Gen1, int Gen2, TimeSpan Paused)
{
    public static GcActivity Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public GcActivity Since(GcActivity start) => new(Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2, Paused - start.Paused);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Gen0:N0} gen0, {Gen1:N0} gen1, {Gen2:N0} gen2 collections; {Paused.TotalSeconds:F2} s paused in total");
}

/// <summary>Writes <c>bench/results/memory-{stamp}.md</c>: bytes per idle activation by kind, and the silo with a million accounts.</summary>
internal static class MemoryReport
{
    public static string Write(string folder, string setup, long baselineBytes, int baselineActivations, IReadOnlyList<KindMeasurement> kinds,
        ScaleMeasurement scale, IReadOnlyDictionary<string, int> answered, IReadOnlyDictionary<string, int> counted)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        void Line(FormattableString text) => md.AppendLine(text.ToString(CultureInfo.InvariantCulture));

        Line($"# Activation memory ({stamp} UTC)");
        Line($"");
        Line($"{setup}");
        Line($"");
        Line($"## Bytes per idle activation");
        Line($"");
        Line($"Live managed bytes after full compacting collections, in two parts. The small object heap: after minus before activating each kind, divided by the activations (the grain, Orleans' activation (ActivationData, its message loop and scheduler, its DI scope), its entries in the catalog, the grain directory and its cache and the idle collector, and the grain id's key string). The large object heap holds those tables' arrays, which grow by doubling, so whichever kind crossed a doubling would pay the whole new array: its growth over all the kinds measured is shared out per activation ('of it, Orleans' tables'). Not the rows in PostgreSQL. 'Counted by Orleans': how much the management grain's total activation count grew meanwhile.");
        Line($"");
        Line($"| grain | state it loads | activations (answered calls) | counted by Orleans | bytes each | of it, Orleans' tables | activated in | activations/s | failures |");
        Line($"| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var (kind, run, countedByOrleans, bytes, tables) in kinds)
            Line($"| {kind.Name} | {kind.State} | {run.Succeeded:N0} | {countedByOrleans:N0} | {bytes:N0} | {tables:N0} | {run.Elapsed.TotalSeconds:F1} s | {run.PerSecond:N0} | {run.FailureSummary} |");
        Line($"");
        Line($"Live managed heap of the started silo before any activation of Tollgate's: {MiB(baselineBytes)} ({baselineActivations:N0} activations of Orleans' own grains).");
        Line($"");
        Line($"## {scale.Accounts:N0} accounts{(scale.Changed is null ? "" : ", with limits and windows changed")}");
        Line($"");
        Line($"| | |");
        Line($"| --- | ---: |");
        Line($"| accounts activated in this phase (answered calls) | {scale.Run.Succeeded:N0} |");
        Line($"| activation time | {scale.Run.Elapsed.TotalSeconds:F1} s ({scale.Run.PerSecond:N0}/s) |");
        Line($"| failures | {scale.Run.FailureSummary} |");
        Line($"| activations on the silo (IManagementGrain.GetTotalActivationCount) | {scale.TotalActivations:N0} |");
        Line($"| managed heap, live | {MiB(scale.After.LiveBytes)} |");
        Line($"| GC heap size (with fragmentation) | {MiB(scale.After.HeapSizeBytes)} |");
        Line($"| GC committed | {MiB(scale.After.CommittedBytes)} |");
        Line($"| process working set | {MiB(scale.After.WorkingSetBytes)} |");
        if (scale.BytesPerAccount is { } each) Line($"| live bytes added per account at this scale | {each:N0} |");
        Line($"| GC while activating | {scale.Gc} |");
        Line($"| one IManagementGrain.GetSimpleGrainStatistics call (fastest of 5) | {scale.StatisticsCall.TotalMilliseconds:N1} ms |");
        Line($"| CPU of this process while nothing calls it (10 s) | {scale.IdleCpu.TotalMilliseconds:N0} ms per second |");
        if (scale.Changed is { } changed)
        {
            Line($"| accounts with limits authorized once (windows and a hold changed since the last checkpoint) | {changed.Run.Succeeded:N0} in {changed.Run.Elapsed.TotalSeconds:F1} s ({changed.Run.PerSecond:N0}/s) |");
            Line($"| failures of the authorizes | {changed.Run.FailureSummary} |");
            Line($"| managed heap, live, after the authorizes | {MiB(changed.LiveBytesAfter)} |");
            Line($"| checkpoints in PostgreSQL before the stop (accounts rows whose windows is not null) | {changed.Before:N0} |");
            Line($"| checkpoints written by the stop (the same count after it, less before) | {changed.WrittenAtStop:N0} |");
        }
        var grace = scale.Shutdown <= ChangedWindows.Grace ? "fits" : "does not fit";
        Line($"| silo shutdown (graceful: deactivate all, leave the cluster) | {scale.Shutdown.TotalSeconds:F1} s ({grace} a {ChangedWindows.Grace.TotalSeconds:F0} s termination grace period) |");
        Line($"");
        if (scale.Changed is not null)
        {
            Line($"With --changed-windows the accounts of this phase are seeded with the limits of 'account with limits', and after the figures above every account with limits (these and the first part's) gets one authorize (100 + 100 tokens, a hold for the longest TTL, {ChangedWindows.HoldTtlSeconds:N0} s, so it is still in flight at the stop). Each must then write a checkpoint, its windows and holds, into its accounts row through the group committer as the stop deactivates it. The silo's periodic checkpoint (Limits:CheckpointInterval, 1 s by default) is set to {ChangedWindows.CheckpointInterval} so that none was written before the stop: the worst case, every account changed since its last checkpoint. With the default interval the periodic checkpoints would have written them a second after the authorizes, leaving the stop only what changed in its last second.");
            Line($"");
        }
        Line($"The heap figures include the activations of the first part (other kinds and warm-ups), which stay active. All activations after that phase, by grain class as Orleans counts them (GetSimpleGrainStatistics), and as answered calls:");
        Line($"");
        Line($"| grain class | activations counted by Orleans | answered calls |");
        Line($"| --- | ---: | ---: |");
        foreach (var type in answered.Keys.Union(counted.Keys).Order(StringComparer.Ordinal))
            Line($"| {type} | {counted.GetValueOrDefault(type):N0} | {(answered.TryGetValue(type, out var calls) ? calls.ToString("N0", CultureInfo.InvariantCulture) : "")} |");
        Line($"");
        Line($"The retired runtime's lease watch and partition-loss drill are gone with it: Orleans has no partitions or leases (it places activations, keeps the grain directory and membership itself), so there is no lease margin to watch and no partition to lose.");
        var markdown = md.ToString();
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, $"memory-{stamp}.md"), markdown);
        return markdown;
    }

    private static string MiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024d / 1024:N1} MiB");
}
