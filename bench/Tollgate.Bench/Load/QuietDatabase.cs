using System.Diagnostics;
using Npgsql;

namespace Tollgate.Bench.Load;

/// <summary>
/// Every target shares one PostgreSQL server, so a row paid for the rows before it: the autovacuum workers their
/// writes set off, and a checkpoint their WAL brought due (the full-page images of every page first changed after it).
/// Before each timed row the server is let finish both, so a row measures its own target alone.
/// </summary>
internal static class QuietDatabase
{
    /// <summary>How long the autovacuum workers are waited for: a large table's vacuum may take longer, and the row then pays its end.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    /// <summary>Waits for the running autovacuum workers (at most <see cref="MaxWait"/>), then checkpoints; returns the time it took.</summary>
    public static async Task<TimeSpan> SettleAsync(string connectionString)
    {
        var started = Stopwatch.GetTimestamp();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var vacuuming = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'", connection);
        while ((long)(await vacuuming.ExecuteScalarAsync())! > 0 && Stopwatch.GetElapsedTime(started) < MaxWait) await Task.Delay(250);
        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection) { CommandTimeout = 300 };
        await checkpoint.ExecuteNonQueryAsync();
        return Stopwatch.GetElapsedTime(started);
    }
}
