using System.Diagnostics;
using System.Globalization;
using Tollgate.Bench.Targets;

namespace Tollgate.Bench.Load;

/// <summary>What wrk measured: its own count and its own latency percentiles (authorize and settle together, in ms).</summary>
public sealed record WrkResult(string Target, string Load, double Seconds, long Requests, long Pairs, long Denied, long Failed, long SocketErrors,
    double P50, double P99, double P999)
{
    /// <summary>This process's GC pauses while wrk ran (the target's silo, gateway or front live in it).</summary>
    public TimeSpan GcPaused { get; init; }

    public double CallsPerSecond => Requests / Seconds;
}

/// <summary>
/// The independent load generator: Debian's <c>wrk</c> with <c>Load/pairs.lua</c>, so the figures do not rest on
/// the bench's own generator alone. It is a closed loop over keep-alive connections, like the bench's callers.
/// Request ids start with the run id, so the ledger tells what its settles charged (those in flight when wrk
/// stopped included: it drops their answers).
/// </summary>
public static class Wrk
{
    private const string Program = "/usr/bin/wrk";

    public static void EnsureInstalled()
    {
        if (!File.Exists(Program)) throw new InvalidOperationException($"{Program} is missing: the independent generator's rows need it (apt-get update && apt-get install -y wrk).");
    }

    public static async Task<WrkResult> RunAsync(HttpPairTarget target, int accounts, int connections, TimeSpan duration, string runId)
    {
        var start = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-t2", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--timeout", "30s",
                     "-s", Path.Combine(AppContext.BaseDirectory, "Load", "pairs.lua"), target.BaseAddress.ToString().TrimEnd('/'),
                     "--", target.Prefix, "bench", $"{accounts}", runId])
            start.ArgumentList.Add(argument);
        var pausedBefore = GC.GetTotalPauseDuration();
        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("Could not start wrk.");
        var output = await wrk.StandardOutput.ReadToEndAsync();
        var errors = await wrk.StandardError.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("WRK ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"wrk exited with {wrk.ExitCode} and no summary:\n{output}\n{errors}");
        var fields = line[4..].Split(' ').Select(f => f.Split('=')).ToDictionary(f => f[0], f => double.Parse(f[1], CultureInfo.InvariantCulture));
        return new WrkResult(target.Name, $"wrk, {connections} connections", fields["seconds"], (long)fields["requests"], (long)fields["pairs"],
            (long)fields["denied"], (long)fields["failed"], (long)fields["socket_errors"], fields["p50"] / 1000, fields["p99"] / 1000, fields["p999"] / 1000)
        {
            GcPaused = GC.GetTotalPauseDuration() - pausedBefore,
        };
    }
}
