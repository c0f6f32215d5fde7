using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Bench.Load;

namespace Tollgate.Bench;

/// <summary>Writes a run's results: <c>bench/results/{stamp}-{mode}.json</c> and a markdown table beside it (and <c>latest-{mode}.md</c>).</summary>
public static class Report
{
    public static string Write(string folder, string mode, string machine, IReadOnlyList<RunResult> runs, IReadOnlyList<string> checks)
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
            errors = r.Errors,
        });
        File.WriteAllText(Path.Combine(folder, $"{stamp}-{mode}.json"),
            JsonSerializer.Serialize(new { mode, machine, runs = json, checks }, new JsonSerializerOptions { WriteIndented = true }));

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"# Tollgate benchmark ({mode}, {stamp} UTC)");
        table.AppendLine();
        table.AppendLine(machine);
        table.AppendLine();
        table.AppendLine("Calls/s count authorize and settle each as one call. Latencies are per call (authorize, settle) in ms. GC paused: this process's garbage-collection pauses during the run, in ms (silo, gateway, baseline front and load generator share its heap).");
        table.AppendLine();
        table.AppendLine("| target | keys | load | calls/s | authorize p50 / p99 / p99.9 | settle p50 / p99 | ÷ postgres-direct | ÷ ceiling | GC paused | errors |");
        table.AppendLine("| --- | --- | --- | ---: | --- | --- | ---: | ---: | ---: | --- |");
        var ceiling = runs.FirstOrDefault(r => r.Target == "ceiling" && r.Load.StartsWith("closed", StringComparison.Ordinal));
        foreach (var run in runs)
        {
            var direct = runs.FirstOrDefault(r => r.Target == "postgres-direct" && r.Distribution == run.Distribution && r.Load == run.Load);
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {run.Target} | {run.Distribution} | {run.Load} | {run.CallsPerSecond:N0} | {run.Authorize.Percentile(0.5):F2} / {run.Authorize.Percentile(0.99):F2} / {run.Authorize.Percentile(0.999):F2} | {run.Settle.Percentile(0.5):F2} / {run.Settle.Percentile(0.99):F2} | {Ratio(run, direct)} | {Ratio(run, ceiling)} | {run.GcPaused.TotalMilliseconds:N0} | {Errors(run)} |");
        }
        table.AppendLine();
        foreach (var check in checks) table.AppendLine(CultureInfo.InvariantCulture, $"- {check}");
        var markdown = table.ToString();
        File.WriteAllText(Path.Combine(folder, $"{stamp}-{mode}.md"), markdown);
        File.WriteAllText(Path.Combine(folder, $"latest-{mode}.md"), markdown);
        return markdown;
    }

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
