using HdrHistogram;

namespace Tollgate.Bench.Load;

/// <summary>
/// Latencies in microseconds, recorded into an HdrHistogram (3 significant digits, 1 µs to an hour)
/// that many callers record into at once. This type only converts units for the report.
/// </summary>
public sealed class LatencyHistogram
{
    private static readonly long Hour = (long)TimeSpan.FromHours(1).TotalMicroseconds;
    private readonly LongConcurrentHistogram _histogram = new(1, Hour, 3);

    public long Count => _histogram.TotalCount;

    public void Record(TimeSpan latency) => _histogram.RecordValue(Math.Clamp((long)latency.TotalMicroseconds, 1, Hour));

    /// <summary>Records a latency given in microseconds (as wrk reports them).</summary>
    public void RecordMicroseconds(long micros, long count = 1) => _histogram.RecordValueWithCount(Math.Clamp(micros, 1, Hour), count);

    public void Add(LatencyHistogram other) => _histogram.Add(other._histogram);

    /// <summary>The latency at <paramref name="quantile"/> (0–1), in milliseconds.</summary>
    public double Percentile(double quantile) => Count == 0 ? 0 : _histogram.GetValueAtPercentile(quantile * 100) / 1000.0;
}
