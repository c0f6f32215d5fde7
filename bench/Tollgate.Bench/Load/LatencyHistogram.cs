namespace Tollgate.Bench.Load;

/// <summary>
/// A log-linear latency histogram (HDR style): values in microseconds, each power of two split
/// into 128 buckets, so a percentile is within 1% of the truth from 1 µs to over an hour. Fixed
/// memory, no samples kept; thread-safe recording.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBits = 7;
    private const int SubBuckets = 1 << SubBits;
    private readonly long[] _counts = new long[64 * SubBuckets];

    public long Count => _counts.Sum();

    public void Record(TimeSpan latency) => Interlocked.Increment(ref _counts[Index(Math.Max(1, (long)(latency.Ticks / 10)))]);

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
    }

    /// <summary>The latency at <paramref name="quantile"/> (0–1), in milliseconds.</summary>
    public double Percentile(double quantile)
    {
        var total = Count;
        if (total == 0) return 0;
        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return UpperBound(i) / 1000.0;
        }
        return UpperBound(_counts.Length - 1) / 1000.0;
    }

    private static int Index(long micros)
    {
        if (micros < SubBuckets) return (int)micros;
        var exponent = 64 - (int)long.LeadingZeroCount(micros) - SubBits; // ≥ 1
        var mantissa = (int)(micros >> exponent); // SubBuckets/2 … SubBuckets-1
        return exponent * SubBuckets + mantissa;
    }

    private static double UpperBound(int index)
    {
        var exponent = index / SubBuckets;
        var mantissa = index % SubBuckets;
        return exponent == 0 ? mantissa : (double)(mantissa + 1) * (1L << exponent);
    }
}
