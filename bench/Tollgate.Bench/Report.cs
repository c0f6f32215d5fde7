using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Bench.Correctness;
using Tollgate.Bench.Load;

namespace Tollgate.Bench;

/// <summary>Writes a run's results: <c>bench/results/{stamp}-{mode}.json</c> and a markdown report beside it (and <c>latest-{mode}.md</c>).</summary>
public static class Report
{
    private static readonly string[] Compared = ["tollgate", "redis-postgres", "postgres-direct", "ceiling"];

    public static string Write(string folder, string mode, string machine, string load, IReadOnlyList<RunResult> runs, IReadOnlyList<WrkResult> wrkRuns,
        IReadOnlyList<CorrectnessRow> correctness, IReadOnlyList<string> checks)
    {
        Directory.CreateDirectory(folder);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var json = runs.Select(r => new
        {
            target = r.Target,
            distribution = r.Distribution,
            load = r.Load,
            seconds = r.Seconds,
            pairs = r.Pairs,
            calls_per_second = Math.Round(r.CallsPerSecond),
            authorize_ms = Percentiles(r.Authorize),
            settle_ms = Percentiles(r.Settle),
            pair_ms = Percentiles(r.Pair),
            gc_paused_ms = Math.Round(r.GcPaused.TotalMilliseconds),
            gc_longest_pause_ms = Math.Round(r.LongestGcPause.TotalMilliseconds, 1),
            gc_collections_gen0_gen1_gen2 = r.Gc.ToString(),
            allocated_kb_per_pair = r.AllocatedPerPair,
            cpu_us_per_pair = r.CpuPerPair,
            errors = r.Errors,
            slowest_pair_ms = Math.Round(r.SlowestPair.Took.TotalMilliseconds, 1),
            slowest_pair_witnessed = r.SlowestPairWitnessed,
            generator_late_ms = r.GeneratorLate.Count == 0 ? null : Percentiles(r.GeneratorLate),
        });
        File.WriteAllText(Path.Combine(folder, $"{stamp}-{mode}.json"),
            JsonSerializer.Serialize(new { mode, machine, load, runs = json, wrk = wrkRuns, correctness, checks }, new JsonSerializerOptions { WriteIndented = true }));

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Tollgate benchmark ({mode}, {stamp} UTC)");
        md.AppendLine();
        md.AppendLine(machine);
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine load: {load}.");
        md.AppendLine();
        SpeedTable(md, runs);
        OpenLoopTable(md, runs);
        WrkTable(md, runs, wrkRuns);
        CorrectnessTable(md, correctness);
        md.AppendLine("## Invariants of the speed rows");
        md.AppendLine();
        foreach (var check in checks) md.AppendLine(CultureInfo.InvariantCulture, $"- {check}");
        var markdown = md.ToString();
        File.WriteAllText(Path.Combine(folder, $"{stamp}-{mode}.md"), markdown);
        File.WriteAllText(Path.Combine(folder, $"latest-{mode}.md"), markdown);
        return markdown;
    }

    private static void SpeedTable(StringBuilder md, IReadOnlyList<RunResult> runs)
    {
        md.AppendLine("## Speed (the bench's generator, closed loop)");
        md.AppendLine();
        md.AppendLine($"Calls/s count authorize and settle each as one call. Latencies are per call (authorize, settle) in ms. ÷ X: this row's calls/s over X's on the same keys and load. GC paused: this process's garbage-collection pauses during the run, in ms, and the longest of them (silo, gateway, baseline front and load generator share its heap), and the kilobytes it allocated per pair (counted in {LoadRunner.AllocationSlice.TotalSeconds} s of the same load just before the timed run, not during it: the runtime's allocation events cost the process CPU). CPU µs per pair: what one authorize+settle pair cost this process (silo, gateway, fronts and the generator together), PostgreSQL and Redis, read from /proc over the run: on a machine they share, it is what decides the throughput.");
        md.AppendLine();
        md.AppendLine($"| target | keys | load | calls/s | authorize p50 / p99 / p99.9 | settle p50 / p99 | {string.Join(" | ", Compared.Select(c => $"÷ {c}"))} | CPU µs per pair: bench / PostgreSQL / Redis | GC paused ms (longest) / KB allocated per pair | errors |");
        md.AppendLine($"| --- | --- | --- | ---: | --- | --- | {string.Join(" | ", Compared.Select(_ => "---:"))} | ---: | ---: | --- |");
        foreach (var run in runs.Where(r => !r.Load.StartsWith("open", StringComparison.Ordinal)))
        {
            var ratios = Compared.Select(c => Ratio(run, runs.FirstOrDefault(r => r.Target == c && r.Distribution == run.Distribution && r.Load == run.Load
                && !run.Load.StartsWith("first", StringComparison.Ordinal))));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {run.Target} | {run.Distribution} | {run.Load} | {run.CallsPerSecond:N0} | {Three(run.Authorize)} | {run.Settle.Percentile(0.5):F2} / {run.Settle.Percentile(0.99):F2} | {string.Join(" | ", ratios)} | {run.CpuPerPair} | {run.GcPausedCell}{(run.AllocatedBytesPerPair is null ? "" : $" / {run.AllocatedPerPair}")} | {Errors(run)} |");
        }
        md.AppendLine();
    }

    private static void OpenLoopTable(StringBuilder md, IReadOnlyList<RunResult> runs)
    {
        var open = runs.Where(r => r.Load.StartsWith("open", StringComparison.Ordinal)).ToList();
        if (open.Count == 0) return;
        md.AppendLine("## Latency at half of each target's own peak (open loop)");
        md.AppendLine();
        md.AppendLine("A fixed arrival rate, half of the target's own uniform closed-loop peak; latency counts from each pair's scheduled start, the authorize's too, so a stall shows (no coordinated omission). ÷ tollgate: this row's authorize p99 over Tollgate's (above 1: slower). Generator late: how long after its scheduled start the generator (in this process, on a thread of its own) sent each pair's authorize; it is part of the authorize's latency, and of every target's alike.");
        md.AppendLine();
        md.AppendLine("| target | load | calls/s | authorize p50 / p99 / p99.9 | settle p50 / p99 | authorize p99 ÷ tollgate | generator late p50 / p99 / max | CPU µs per pair: bench / PostgreSQL / Redis | errors |");
        md.AppendLine("| --- | --- | ---: | --- | --- | ---: | --- | ---: | --- |");
        var tollgate = open.FirstOrDefault(r => r.Target == "tollgate");
        foreach (var run in open)
        {
            var ratio = tollgate is null || tollgate == run ? "" : (run.Authorize.Percentile(0.99) / tollgate.Authorize.Percentile(0.99)).ToString("0.00", CultureInfo.InvariantCulture);
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {run.Target} | {run.Load} | {run.CallsPerSecond:N0} | {Three(run.Authorize)} | {run.Settle.Percentile(0.5):F2} / {run.Settle.Percentile(0.99):F2} | {ratio} | {Late(run.GeneratorLate)} | {run.CpuPerPair} | {Errors(run)} |");
        }
        md.AppendLine();
        md.AppendLine("The slowest pair of each row (from its scheduled start to its settle's answer), and what fell within its time: this process's GC pauses, the silo's group commits, PostgreSQL's autovacuum and checkpoints, and the thread pool's queue and threads (sampled every 250 ms, on the thread pool: a gap far beyond that is this process stalled).");
        md.AppendLine();
        foreach (var run in open.Where(r => r.SlowestPairWitnessed is not null))
            md.AppendLine(CultureInfo.InvariantCulture, $"- {run.Target}: {run.SlowestPair.Took.TotalMilliseconds:N0} ms; {run.SlowestPairWitnessed}.");
        md.AppendLine();
    }

    private static string Late(LatencyHistogram late) =>
        FormattableString.Invariant($"{late.Percentile(0.5):F2} / {late.Percentile(0.99):F2} / {late.Percentile(1):F2}");

    private static void WrkTable(StringBuilder md, IReadOnlyList<RunResult> runs, IReadOnlyList<WrkResult> wrkRuns)
    {
        if (wrkRuns.Count == 0) return;
        md.AppendLine("## The same uniform row by an independent generator (wrk)");
        md.AppendLine();
        md.AppendLine("wrk 4 (Debian) with `Load/pairs.lua`: 2 threads, authorize then settle, uniform accounts, run right after the bench's own uniform row of the same target (the same accounts, as warm). Its latency histogram holds both calls, so the bench's row beside it is given for both calls together too. ÷ tollgate: calls/s over Tollgate's by the same generator.");
        md.AppendLine();
        md.AppendLine("| target | generator | calls/s | all calls p50 / p99 / p99.9 | ÷ tollgate | pairs | denied, failed, socket errors | GC paused | the bench's generator: calls/s, all calls p50 / p99 / p99.9 |");
        md.AppendLine("| --- | --- | ---: | --- | ---: | ---: | --- | ---: | --- |");
        var tollgate = wrkRuns.FirstOrDefault(w => w.Target == "tollgate");
        foreach (var wrk in wrkRuns)
        {
            var ours = runs.FirstOrDefault(r => r.Target == wrk.Target && r.Distribution.StartsWith("uniform", StringComparison.Ordinal) && r.Load.StartsWith("closed", StringComparison.Ordinal));
            var both = new LatencyHistogram();
            if (ours is not null)
            {
                both.Add(ours.Authorize);
                both.Add(ours.Settle);
            }
            var ratio = tollgate is null || tollgate == wrk ? "" : (wrk.CallsPerSecond / tollgate.CallsPerSecond).ToString("0.00", CultureInfo.InvariantCulture);
            var beside = ours is null ? "" : FormattableString.Invariant($"{ours.CallsPerSecond:N0}, {Three(both)}");
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {wrk.Target} | {wrk.Load} | {wrk.CallsPerSecond:N0} | {wrk.P50:F2} / {wrk.P99:F2} / {wrk.P999:F2} | {ratio} | {wrk.Pairs:N0} | {wrk.Denied}, {wrk.Failed}, {wrk.SocketErrors} | {wrk.GcPaused.TotalMilliseconds:N0} | {beside} |");
        }
        md.AppendLine();
    }

    private static void CorrectnessTable(StringBuilder md, IReadOnlyList<CorrectnessRow> correctness)
    {
        if (correctness.Count == 0) return;
        md.AppendLine("## Correctness (real processes: 2 silos, 2 Tollgate gateways, 2 baseline fronts)");
        md.AppendLine();
        md.AppendLine("| scenario | target | outcome | exact |");
        md.AppendLine("| --- | --- | --- | --- |");
        foreach (var row in correctness) md.AppendLine(CultureInfo.InvariantCulture, $"| {row.Scenario} | {row.Target} | {row.Outcome} | {(row.Exact ? "yes" : "**no**")} |");
        md.AppendLine();
    }

    private static string Three(LatencyHistogram histogram) =>
        FormattableString.Invariant($"{histogram.Percentile(0.5):F2} / {histogram.Percentile(0.99):F2} / {histogram.Percentile(0.999):F2}");

    private static object Percentiles(LatencyHistogram histogram) => new
    {
        p50 = histogram.Percentile(0.5),
        p90 = histogram.Percentile(0.9),
        p99 = histogram.Percentile(0.99),
        p999 = histogram.Percentile(0.999),
    };

    private static string Ratio(RunResult run, RunResult? baseline) =>
        baseline is null || baseline == run || baseline.CallsPerSecond == 0 ? "" : (run.CallsPerSecond / baseline.CallsPerSecond).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Errors(RunResult run) => run.Errors.IsEmpty ? "" : string.Join(", ", run.Errors.Select(e => $"{e.Key}: {e.Value}"));
}
