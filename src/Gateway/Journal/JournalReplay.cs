using Tollgate.Gateway.Metering;
using Tollgate.Grains;

namespace Tollgate.Gateway.Journal;

/// <summary>
/// Applies journaled settlements once the cluster takes them again, on every gateway: each pass moves the local
/// file's entries into PostgreSQL, claims the oldest waiting entries there and settles them. A settle is
/// idempotent by (account, request id), so an entry applied twice (two gateways, a crash between the settle and the
/// delete) still charges once. An entry the account refuses for good is kept with its error, never retried.
/// </summary>
internal sealed class JournalReplay(
    SettlementJournal journal, JournalTable table, Settlement settlement, JournalOptions options, TimeProvider time, ILogger<JournalReplay> logger)
    : BackgroundService
{
    private const int Batch = 100;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.ReplayInterval, time);
        do
        {
            await PassAsync(stopping);
        }
        while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
    }

    /// <summary>One pass; never throws but on shutdown. What fails is logged and tried again at the next pass.</summary>
    internal async Task PassAsync(CancellationToken stopping)
    {
        try
        {
            await journal.File.DrainAsync(entries => table.InsertAsync(entries, stopping));
            while (!stopping.IsCancellationRequested && await ApplyBatchAsync(stopping) == Batch)
            {
                // A full batch: more may wait.
            }
            var (waiting, oldest, failed) = await table.MeasureAsync(stopping);
            journal.Measured(waiting, oldest, failed);
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            logger.LogWarning("Applying journaled settlements failed ({Error}); retried in {Seconds} s", ex.Message, options.ReplayInterval.TotalSeconds);
        }
    }

    /// <summary>Claims and settles one batch; returns how many were claimed.</summary>
    private async Task<int> ApplyBatchAsync(CancellationToken stopping)
    {
        var claimed = await table.ClaimAsync(Batch, stopping);
        if (claimed.Count == 0) return 0;
        var attempts = await Task.WhenAll(claimed.Select(ApplyAsync));
        await table.DeleteAsync([.. claimed.Where((_, i) => attempts[i].Outcome == Applied.Yes)], stopping);
        await table.ReleaseAsync([.. claimed.Where((_, i) => attempts[i].Outcome == Applied.NotYet)], stopping);
        for (var i = 0; i < claimed.Count; i++)
        {
            if (attempts[i] is { Outcome: Applied.Refused, Error: var error }) await table.FailAsync(claimed[i], error!, stopping);
        }
        var notYet = attempts.Count(attempt => attempt.Outcome == Applied.NotYet);
        if (notYet > 0) logger.LogWarning("{Count} journaled settlements could not be applied yet: the cluster did not take them", notYet);
        return notYet > 0 ? 0 : claimed.Count; // the cluster is not back: wait for the next pass
    }

    private async Task<Attempt> ApplyAsync(JournaledSettlement entry)
    {
        try
        {
            await settlement.SettleAsync(entry.Token, entry.Tokens, entry.Outcome, entry.Streamed, entry.LatencyMs);
            return new Attempt(Applied.Yes, null);
        }
        catch (TollgateException refused) when (!refused.IsTransient)
        {
            // The account's own answer (bad input, an account that is gone): retrying cannot change it.
            logger.LogError("The journaled settlement of request {RequestId} of account {AccountId} was refused ({Code}: {Error}): kept in settlement_journal for an operator",
                entry.Token.RequestId, entry.Token.AccountId, refused.Code, refused.Message);
            return new Attempt(Applied.Refused, $"{refused.Code}: {refused.Message}");
        }
        catch (Exception)
        {
            return new Attempt(Applied.NotYet, null); // the cluster's failure, whatever its type: the entry waits
        }
    }

    private readonly record struct Attempt(Applied Outcome, string? Error);

    private enum Applied
    {
        Yes,
        NotYet,
        Refused,
    }
}
