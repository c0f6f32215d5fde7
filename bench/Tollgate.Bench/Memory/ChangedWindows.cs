using Npgsql;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Metering;

namespace Tollgate.Bench.Memory;

/// <summary>
/// <c>--changed-windows</c>: the worst case for a graceful stop of rate-limited accounts. Every account has limits
/// and one authorize since its last checkpoint, so each writes a checkpoint (its windows and its hold, into its
/// <c>accounts</c> row through the group committer) while the silo deactivates it. The periodic checkpoint
/// (<c>Limits:CheckpointInterval</c>, 1 s by default) would have written them all a second after the authorizes:
/// the bench sets it to an hour so that none is written before the stop.
/// </summary>
internal static class ChangedWindows
{
    public const string Option = "--changed-windows";

    /// <summary>Longer than any run: no periodic checkpoint is written before the stop.</summary>
    public const string CheckpointInterval = "01:00:00";

    /// <summary>The longest a hold may live: each authorize's hold is still in flight at the stop.</summary>
    public const int HoldTtlSeconds = AccountLimits.MaxReservationTtlSeconds;

    /// <summary>What a termination grace period commonly allows a pod to stop in (Kubernetes' default).</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    /// <summary>
    /// One request on the account, which must be admitted: it counts in every window and holds its worst-case cost until
    /// after the stop, as a request mid-way would.
    /// </summary>
    public static async Task AuthorizeAsync(IGrainFactory grains, string key)
    {
        var answer = await grains.Account(key).Authorize(new AuthorizeAccount("bench-" + key, null, EstimatedInputTokens: 100, MaxOutputTokens: 100,
            new Price(InputPerMillion: 2_000_000, OutputPerMillion: 8_000_000), HoldTtlSeconds));
        if (!answer.Admission.Allowed)
            throw new TollgateException(answer.Admission.Denial?.Reason ?? "denied", $"The account {key} was denied: {answer.Admission.Denial?.Message}");
    }

    /// <summary>Accounts whose row holds a checkpoint of windows.</summary>
    public static async Task<long> CheckpointsAsync(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand("SELECT count(*) FROM accounts WHERE windows IS NOT NULL");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <param name="Run">The authorizes: one on each account with limits.</param>
/// <param name="LiveBytesAfter">Live managed bytes after them: the windows, holds and checkpoint timers added.</param>
/// <param name="Before">Checkpoints in PostgreSQL before the stop (none expected: the interval is an hour).</param>
/// <param name="After">Checkpoints in PostgreSQL after the stop.</param>
internal sealed record ChangedWindowsRun(ActivationRun Run, long LiveBytesAfter, long Before, long After)
{
    public long WrittenAtStop => After - Before;
}
