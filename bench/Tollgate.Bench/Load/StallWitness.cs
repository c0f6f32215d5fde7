using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Npgsql;
using Tollgate.Persistence;

namespace Tollgate.Bench.Load;

/// <summary>
/// What fell within the time of a run's slowest pair: this process's garbage-collection pauses, the silo's group commits
/// (the silo runs in this process), PostgreSQL's autovacuum and checkpoints, and the thread pool's queue and threads, sampled
/// four times a second. At half of a target's peak a tail of hundreds of milliseconds is a stall, not queueing; this names
/// what stalled with it.
/// </summary>
internal sealed class StallWitness : IAsyncDisposable
{
    private const int MaxKept = 100_000;
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(250);

    private readonly MeterListener _commits = new();
    private readonly List<(DateTime End, TimeSpan Took)> _commitTimes = [];
    private readonly List<Sample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    private StallWitness(string connectionString)
    {
        _commits.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GroupCommitter.MeterName && instrument.Name == GroupCommitter.DurationName) listener.EnableMeasurementEvents(instrument);
        };
        _commits.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            lock (_commitTimes)
            {
                if (_commitTimes.Count < MaxKept) _commitTimes.Add((DateTime.UtcNow, TimeSpan.FromSeconds(seconds)));
            }
        });
        _commits.Start();
        _sampling = SampleAsync(connectionString, _stop.Token);
    }

    /// <summary>Starts watching, for one timed run.</summary>
    public static StallWitness Start(string connectionString) => new(connectionString);

    /// <summary>What fell within <paramref name="from"/> to <paramref name="to"/> (UTC), in a line.</summary>
    public string Explain(DateTime from, DateTime to)
    {
        var (paused, longestPause) = GcPauses.Listener.Between(from, to);
        TimeSpan longestCommit;
        int commits;
        lock (_commitTimes)
        {
            // A commit overlaps the window if it ended after its start and began before its end.
            var overlapping = _commitTimes.Where(c => c.End > from && c.End - c.Took < to).ToList();
            (commits, longestCommit) = (overlapping.Count, overlapping.Count == 0 ? TimeSpan.Zero : overlapping.Max(c => c.Took));
        }
        List<Sample> samples;
        lock (_samples) samples = [.. _samples.Where(s => s.At >= from - SampleEvery && s.At <= to + SampleEvery)];
        var vacuumed = samples.SelectMany(s => s.Vacuumed.Split(',', StringSplitOptions.RemoveEmptyEntries)).Distinct().ToList();
        var checkpoints = samples.Count < 2 ? 0 : samples[^1].Checkpoints - samples[0].Checkpoints;
        var (queued, threads) = samples.Count == 0 ? (0L, "?") : (samples.Max(s => s.QueuedWork), $"{samples[0].Threads} → {samples.Max(s => s.Threads)}");
        // The sampler runs on the thread pool too: a gap far beyond its period is a stall of this process itself.
        var gap = samples.Zip(samples.Skip(1), (earlier, later) => later.At - earlier.At).DefaultIfEmpty().Max();
        return string.Create(CultureInfo.InvariantCulture,
            $"GC paused {paused.TotalMilliseconds:F0} ms of it (longest pause {longestPause.TotalMilliseconds:F0} ms); {commits} group commits, the longest {longestCommit.TotalMilliseconds:F0} ms; "
            + $"autovacuum on {(vacuumed.Count == 0 ? "nothing" : string.Join(", ", vacuumed))}; {checkpoints} checkpoints; "
            + $"the thread pool queued up to {queued:N0} work items, on {threads} threads, and its longest gap between samples was {gap.TotalMilliseconds:F0} ms");
    }

    private async Task SampleAsync(string connectionString, CancellationToken stop)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(stop);
            await using var sample = new NpgsqlCommand(
                """
                SELECT coalesce((SELECT string_agg(relid::regclass::text, ',') FROM pg_stat_progress_vacuum), ''),
                    (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)
                """, connection);
            using var timer = new PeriodicTimer(SampleEvery);
            do
            {
                await using var reader = await sample.ExecuteReaderAsync(stop);
                await reader.ReadAsync(stop);
                var row = new Sample(DateTime.UtcNow, reader.GetString(0), reader.GetInt64(1), ThreadPool.PendingWorkItemCount, ThreadPool.ThreadCount);
                lock (_samples)
                {
                    if (_samples.Count < MaxKept) _samples.Add(row);
                }
            } while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (NpgsqlException ex)
        {
            // A witness that cannot read PostgreSQL must not fail the run it watches: its line then names fewer samples.
            Console.WriteLine($"(the stall witness stopped sampling PostgreSQL: {ex.Message})");
        }
    }

    private readonly record struct Sample(DateTime At, string Vacuumed, long Checkpoints, long QueuedWork, int Threads);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _commits.Dispose();
        _stop.Dispose();
    }
}
