using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Tollgate.Persistence;

namespace Tollgate.Silo.Webhooks;

/// <summary>
/// The dispatcher's instruments, on the silo's meter (<c>Tollgate.Silo</c>, exported with the group committer's).
/// Tags are bounded: the outcome only, never an endpoint, account or URL.
/// </summary>
public static class WebhookMetrics
{
    public const string MeterName = GroupCommitter.MeterName;
    public const string DeliveriesName = "tollgate.webhooks.deliveries";
    public const string PendingName = "tollgate.webhooks.pending";
    public const string DurationName = "tollgate.webhooks.delivery.duration";

    /// <summary>The receiver answered 2xx.</summary>
    public const string Delivered = "delivered";

    /// <summary>The attempt failed and another is scheduled.</summary>
    public const string Retried = "retried";

    /// <summary>The last attempt failed: the delivery is given up.</summary>
    public const string Failed = "failed";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Deliveries = Meter.CreateCounter<long>(DeliveriesName, "{attempt}",
        "Webhook delivery attempts, by outcome: delivered, retried (failed, tried again later) or failed (given up)");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram(DurationName, "s",
        "How long a webhook attempt took, until the receiver's status line (or the timeout), by outcome", advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        });

    // What each dispatcher of this process (one per silo: tests host several) last counted.
    private static readonly ConcurrentDictionary<PendingCount, bool> PendingCounts = new();

    // Every silo counts the whole cluster's deliveries (they share one table): read it as a gauge of the cluster, not a sum.
    private static readonly ObservableGauge<long> Pending = Meter.CreateObservableGauge(PendingName, ObservePending, "{delivery}",
        "Webhook deliveries not yet delivered or given up, cluster-wide (waiting for a retry, due, or being attempted)");

    internal static void Attempted(string outcome, TimeSpan took)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        Deliveries.Add(1, tag);
        Duration.Record(took.TotalSeconds, tag);
    }

    /// <summary>Deliveries found given up without an attempt's answer (their last attempt's silo died).</summary>
    internal static void Abandoned(int count) => Deliveries.Add(count, new KeyValuePair<string, object?>("outcome", Failed));

    /// <summary>A dispatcher's pending count, reported by the gauge until disposed.</summary>
    internal static PendingCount TrackPending()
    {
        _ = Pending; // created with the first dispatcher
        var count = new PendingCount();
        PendingCounts.TryAdd(count, true);
        return count;
    }

    private static IEnumerable<Measurement<long>> ObservePending() =>
        PendingCounts.Keys.Select(count => count.Value).Where(value => value >= 0).Select(value => new Measurement<long>(value)).ToList();

    internal sealed class PendingCount : IDisposable
    {
        private long _value = -1; // none counted yet

        public long Value => Interlocked.Read(ref _value);

        public void Set(long value) => Interlocked.Exchange(ref _value, value);

        public void Dispose() => PendingCounts.TryRemove(this, out _);
    }
}
