using System.Diagnostics.Metrics;
using Tollgate.Gateway.Metering;

namespace Tollgate.Gateway.Journal;

/// <summary>
/// Keeps a settlement the cluster could not take, durably, until <see cref="JournalReplay"/> applies it: in PostgreSQL
/// (shared by the fleet, so any gateway applies it), else in the gateway's local file. Its instruments: the depth and the
/// oldest entry's age per store, entries the account refused for good, and writes that failed in both stores.
/// </summary>
internal sealed class SettlementJournal
{
    public const string DepthName = "tollgate.settlement_journal.depth";
    public const string AgeName = "tollgate.settlement_journal.oldest_age";
    public const string FailedName = "tollgate.settlement_journal.failed";
    public const string UnrecordedName = "tollgate.settlement_journal.unrecorded";

    private static readonly Counter<long> Unrecorded = GatewayMetrics.Meter.CreateCounter<long>(UnrecordedName, "{settlement}",
        "Settlements that neither PostgreSQL nor the local journal file could keep: not charged");

    private readonly JournalTable _table;
    private readonly ILogger<SettlementJournal> _logger;
    private volatile Depth _measured = new(0, TimeSpan.Zero, 0);

    /// <param name="meters">
    /// This host's meters: the gauges read this journal, so they live and die with it. Gauges on the process's static
    /// meter would keep every journal ever made, and through its data source's timer the host around it (tests and
    /// the run command host several gateways in one process).
    /// </param>
    public SettlementJournal(JournalTable table, JournalFile file, ILogger<SettlementJournal> logger, IMeterFactory meters)
    {
        (_table, File, _logger) = (table, file, logger);
        var meter = meters.Create(GatewayMetrics.MeterName);
        meter.CreateObservableGauge(DepthName, () => new[]
        {
            new Measurement<long>(_measured.Waiting, new KeyValuePair<string, object?>("store", "postgres")),
            new Measurement<long>(File.Depth, new KeyValuePair<string, object?>("store", "file")),
        }, "{settlement}", "Settlements waiting to be applied: in PostgreSQL (the whole fleet's), and in this gateway's local file");
        meter.CreateObservableGauge(AgeName, () => _measured.OldestAge.TotalSeconds, "s",
            "How long the oldest settlement waiting in PostgreSQL has waited");
        meter.CreateObservableGauge(FailedName, () => _measured.Failed, "{settlement}",
            "Journaled settlements the account refused for good: kept in settlement_journal with their error, for an operator");
    }

    public JournalFile File { get; }

    /// <summary>
    /// Keeps <paramref name="entry"/> until it is applied: in PostgreSQL, else in the local file. Never throws: if both
    /// fail the settlement is logged in full (so an operator can apply it) and counted.
    /// </summary>
    public async Task RecordAsync(JournaledSettlement entry)
    {
        try
        {
            await _table.InsertAsync([entry]);
            return;
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Journaling the settlement of request {RequestId} in PostgreSQL failed ({Error}); it goes to {Path}",
                entry.Token.RequestId, ex.Message, File.Path);
        }
        try
        {
            await File.AppendAsync(entry);
        }
        catch (Exception ex)
        {
            Unrecorded.Add(1);
            _logger.LogCritical("The settlement of request {RequestId} could not be journaled anywhere ({Error}); it is not charged: {Entry}",
                entry.Token.RequestId, ex.Message, System.Text.Encoding.UTF8.GetString(entry.ToJson()));
        }
    }

    internal void Measured(long waiting, TimeSpan oldestAge, long failed) => _measured = new Depth(waiting, oldestAge, failed);

    private sealed record Depth(long Waiting, TimeSpan OldestAge, long Failed);
}
