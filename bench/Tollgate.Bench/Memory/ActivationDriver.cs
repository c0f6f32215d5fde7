using System.Collections.Concurrent;
using System.Diagnostics;
using Tollgate.Grains;

namespace Tollgate.Bench.Memory;

/// <summary>Activates a range of grains with a bounded number of calls in flight, counting what succeeded and why the rest failed.</summary>
internal static class ActivationDriver
{
    public static async Task<ActivationRun> ActivateAsync(IGrainFactory grains, ActivationKind kind, int from, int to, int inFlight,
        int progressEvery = 0, Action<int, TimeSpan>? progress = null)
    {
        var failures = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var done = 0;
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(from, to - from), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (i, _) =>
        {
            try
            {
                await kind.TouchAsync(grains, kind.Key(i));
            }
            catch (Exception ex)
            {
                failures.AddOrUpdate(ex is TollgateException refused ? refused.Code : ex.GetType().Name, 1, static (_, count) => count + 1);
            }
            var count = Interlocked.Increment(ref done);
            if (progressEvery > 0 && count % progressEvery == 0) progress?.Invoke(count, Stopwatch.GetElapsedTime(started));
        });
        var failed = failures.Values.Sum();
        return new ActivationRun(to - from - failed, Stopwatch.GetElapsedTime(started), new SortedDictionary<string, int>(failures, StringComparer.Ordinal));
    }
}

/// <param name="Succeeded">Calls answered without error: the activations known to exist.</param>
internal sealed record ActivationRun(int Succeeded, TimeSpan Elapsed, SortedDictionary<string, int> Failures)
{
    public double PerSecond => Succeeded / Elapsed.TotalSeconds;

    public string FailureSummary => Failures.Count == 0 ? "none" : string.Join(", ", Failures.Select(f => $"{f.Key}: {f.Value:N0}"));
}
