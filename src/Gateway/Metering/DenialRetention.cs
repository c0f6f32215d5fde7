using Npgsql;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// Deletes denial counts older than <see cref="MeteringOptions.DenialRetention"/>, at start and every hour, a bounded
/// chunk per statement so no transaction holds many rows. Every gateway runs it: deleting is idempotent, and a pass
/// that finds nothing old costs one index probe. Settled usage is never deleted (it matches the ledger).
/// </summary>
internal sealed class DenialRetention(NpgsqlDataSource database, MeteringOptions options, TimeProvider time, ILogger<DenialRetention> logger)
    : BackgroundService
{
    private const int Chunk = 10_000;
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        if (options.DenialRetention == TimeSpan.Zero) return; // kept for ever
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            await PassAsync(stopping);
        }
        while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
    }

    private async Task PassAsync(CancellationToken stopping)
    {
        var before = time.GetUtcNow() - options.DenialRetention;
        long deleted = 0;
        try
        {
            int chunk;
            do
            {
                await using var delete = database.CreateCommand("""
                    DELETE FROM usage_events WHERE usage_id IN
                        (SELECT usage_id FROM usage_events WHERE denial IS NOT NULL AND created_at < $1 LIMIT $2)
                    """);
                delete.Parameters.Add(new NpgsqlParameter { Value = before });
                delete.Parameters.Add(new NpgsqlParameter { Value = Chunk });
                chunk = await delete.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                deleted += chunk;
            }
            while (chunk == Chunk);
            if (deleted > 0) logger.LogInformation("Deleted {Rows} denial rows older than {Before:u} (Metering:DenialRetention)", deleted, before);
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            logger.LogWarning("Deleting denial rows older than {Before:u} failed ({Error}); tried again in an hour", before, ex.Message);
        }
    }
}
