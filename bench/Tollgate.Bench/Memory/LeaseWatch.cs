using Npgsql;

namespace Tollgate.Bench.Memory;

/// <summary>
/// Watches, from the database, whether the silo keeps up its heartbeats and lease renewals while a
/// phase loads it: a renewal every lease duration ÷ 3 (5 s by default) extends every lease to 15 s,
/// so a margin much below 10 s, or a heartbeat older than 5 s, means the maintenance loop fell behind.
/// </summary>
internal sealed class LeaseWatch : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly NpgsqlDataSource _database;
    private readonly string _siloAddress;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;
    private LeaseHealth _health = LeaseHealth.Unobserved;

    private LeaseWatch(NpgsqlDataSource database, string siloAddress)
    {
        (_database, _siloAddress) = (database, siloAddress);
        _polling = PollAsync(_stop.Token);
    }

    public static LeaseWatch Start(NpgsqlDataSource database, string siloAddress) => new(database, siloAddress);

    /// <summary>Stops watching and returns the worst seen.</summary>
    public async Task<LeaseHealth> StopAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        return _health;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task PollAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SampleAsync(stop);
                await Task.Delay(Interval, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException)
            {
                _health = _health with { FailedSamples = _health.FailedSamples + 1 }; // the database itself was too busy: worth reporting
            }
        }
    }

    private async Task SampleAsync(CancellationToken stop)
    {
        await using var sample = _database.CreateCommand("""
            SELECT (SELECT min(expires_at) - clock_timestamp() FROM partition_leases WHERE owner_address = $1),
                   (SELECT clock_timestamp() - max(heartbeat_at) FROM silos WHERE address = $1),
                   (SELECT count(*) FROM partition_leases WHERE owner_address = $1 AND expires_at > clock_timestamp())::int
            """);
        sample.Parameters.Add(new NpgsqlParameter { Value = _siloAddress });
        await using var reader = await sample.ExecuteReaderAsync(stop);
        await reader.ReadAsync(stop);
        _health = _health.With(reader.GetFieldValue<TimeSpan>(0), reader.GetFieldValue<TimeSpan>(1), reader.GetInt32(2));
    }
}

/// <param name="LowestMargin">The shortest time any lease had left before it would expire.</param>
/// <param name="OldestHeartbeat">The longest the silo went without a heartbeat.</param>
/// <param name="FewestLeases">The fewest leases the silo held unexpired at once.</param>
internal sealed record LeaseHealth(TimeSpan LowestMargin, TimeSpan OldestHeartbeat, int FewestLeases, int Samples)
{
    public static readonly LeaseHealth Unobserved = new(TimeSpan.MaxValue, TimeSpan.Zero, int.MaxValue, 0);

    public int FailedSamples { get; init; }

    public LeaseHealth With(TimeSpan margin, TimeSpan heartbeatAge, int leases) => this with
    {
        LowestMargin = margin < LowestMargin ? margin : LowestMargin,
        OldestHeartbeat = heartbeatAge > OldestHeartbeat ? heartbeatAge : OldestHeartbeat,
        FewestLeases = Math.Min(leases, FewestLeases),
        Samples = Samples + 1,
    };

    public override string ToString() => Samples == 0 ? "not observed"
        : $"lowest lease margin {LowestMargin.TotalSeconds:F1} s, oldest heartbeat {OldestHeartbeat.TotalSeconds:F1} s, fewest leases held {FewestLeases:N0} ({Samples:N0} samples{(FailedSamples > 0 ? $", {FailedSamples} failed" : "")})";
}
