using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Tollgate.Bench.Load;

/// <summary>
/// Which types this process allocates most, sampled by the runtime's allocation ticks (one event about every 100 KB
/// allocated, naming the type whose allocation crossed the mark): <c>--allocations</c> prints them after each timed row.
/// A sample, not a count: a type allocated often in small objects shows in proportion to its bytes.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const long GcKeyword = 0x1;
    private ConcurrentDictionary<string, long> _bytesByType = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs tick)
    {
        if (tick.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || tick.PayloadNames is null) return;
        var type = tick.Payload![tick.PayloadNames.IndexOf("TypeName")] as string ?? "?";
        var amount = Convert.ToInt64(tick.Payload[tick.PayloadNames.IndexOf("AllocationAmount64")], System.Globalization.CultureInfo.InvariantCulture);
        _bytesByType.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    /// <summary>The types sampled since the last call, most bytes first, as shares of all sampled bytes; and starts again.</summary>
    public IReadOnlyList<(string Type, double Share)> TakeTop(int count)
    {
        var taken = Interlocked.Exchange(ref _bytesByType, new ConcurrentDictionary<string, long>());
        var total = Math.Max(1, taken.Values.Sum());
        return [.. taken.OrderByDescending(entry => entry.Value).Take(count).Select(entry => (entry.Key, (double)entry.Value / total))];
    }
}
