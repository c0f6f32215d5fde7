using System.Globalization;
using System.Text;

namespace Tollgate.Bench.Memory;

/// <summary>What one kind of activation costs: live managed bytes after activating <see cref="ActivationRun.Succeeded"/> of them, divided by that count.</summary>
internal sealed record KindMeasurement(ActivationKind Kind, ActivationRun Run, double BytesEach);

/// <summary>The silo with (up to) a million account activations.</summary>
internal sealed record ScaleMeasurement(
    int Accounts,
    ActivationRun Run,
    long LiveBytesBefore,
    ProcessMemory After,
    GcActivity Gc,
    LeaseHealth Leases,
    TimeSpan? CatalogPass,
    TimeSpan Shutdown)
{
    /// <summary>Live bytes the phase added per account it activated: includes the catalog's growth at this scale.</summary>
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
    public static string Write(string folder, string setup, long baselineBytes, IReadOnlyList<KindMeasurement> kinds, LeaseHealth kindLeases,
        ScaleMeasurement scale, DrillResult? drill, IReadOnlyDictionary<string, int> expected, IReadOnlyDictionary<string, int>? census)
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
        Line($"Live managed bytes after full compacting collections, after minus before activating each kind, divided by the activations. Includes the catalog entry and the grain id's key string; not the rows in PostgreSQL.");
        Line($"");
        Line($"| grain | state it loads | activations | bytes each | activated in | activations/s | failures |");
        Line($"| --- | --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var (kind, run, bytes) in kinds)
            Line($"| {kind.Name} | {kind.State} | {run.Succeeded:N0} | {bytes:N0} | {run.Elapsed.TotalSeconds:F1} s | {run.PerSecond:N0} | {run.FailureSummary} |");
        Line($"");
        Line($"Live managed heap of the started silo before any activation: {MiB(baselineBytes)}. Leases meanwhile: {kindLeases}.");
        Line($"");
        Line($"## {scale.Accounts:N0} accounts");
        Line($"");
        Line($"| | |");
        Line($"| --- | ---: |");
        Line($"| accounts activated in this phase (answered calls) | {scale.Run.Succeeded:N0} |");
        Line($"| activation time | {scale.Run.Elapsed.TotalSeconds:F1} s ({scale.Run.PerSecond:N0}/s) |");
        Line($"| failures | {scale.Run.FailureSummary} |");
        Line($"| managed heap, live | {MiB(scale.After.LiveBytes)} |");
        Line($"| GC heap size (with fragmentation) | {MiB(scale.After.HeapSizeBytes)} |");
        Line($"| GC committed | {MiB(scale.After.CommittedBytes)} |");
        Line($"| process working set | {MiB(scale.After.WorkingSetBytes)} |");
        if (scale.BytesPerAccount is { } each) Line($"| live bytes added per account at this scale | {each:N0} |");
        Line($"| GC while activating | {scale.Gc} |");
        Line($"| one pass over the catalog (fastest of 5) | {(scale.CatalogPass is { } pass ? $"{pass.TotalMilliseconds:N1} ms" : "n/a")} |");
        Line($"| silo shutdown (flush and deactivate all) | {scale.Shutdown.TotalSeconds:F1} s |");
        Line($"");
        Line($"Leases meanwhile (until after the forced collections): {scale.Leases}.");
        Line($"");
        Line($"The heap figures include the activations of the first part (other kinds and warm-ups), which stay active. All activations after that phase, counted in the catalog and as answered calls:");
        Line($"");
        Line($"| grain type | activations in the catalog | answered calls |");
        Line($"| --- | ---: | ---: |");
        foreach (var type in expected.Keys.Union(census?.Keys ?? []).Order(StringComparer.Ordinal))
            Line($"| {type} | {(census is null ? "n/a" : census.GetValueOrDefault(type).ToString("N0", CultureInfo.InvariantCulture))} | {expected.GetValueOrDefault(type):N0} |");
        if (drill is not null)
        {
            Line($"");
            Line($"## Losing {drill.Partitions} partitions with {drill.ActivationsBefore:N0} activations");
            Line($"");
            Line($"Their epochs moved on in the database, as when another silo takes them; the next renewal drops their activations (on the loop that heartbeats and renews; the catalog is indexed by partition, so each drop touches only that partition's activations) and takes them back. Were each drop a pass over the whole catalog, as before that index, the loop would stall {drill.Partitions} × one pass ≈ {(scale.CatalogPass is { } onePass ? drill.Partitions * onePass.TotalSeconds : 0):F1} s.");
            Line($"");
            Line($"- activations dropped: {drill.Dropped:N0}");
            Line($"- watched for {drill.ObservedFor.TotalSeconds:F0} s: {drill.Leases} (a heartbeat is due every 5 s; one older than the lease duration, 15 s, gets a silo declared dead by the others)");
        }
        var markdown = md.ToString();
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, $"memory-{stamp}.md"), markdown);
        return markdown;
    }

    private static string MiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024d / 1024:N1} MiB");
}
