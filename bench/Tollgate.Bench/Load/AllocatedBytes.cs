using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Tollgate.Bench.Load;

/// <summary>
/// Bytes this process allocated, summed from the runtime's allocation ticks (one event about every 100 KB a heap allocates,
/// carrying the amount since the last one and the type whose allocation crossed the mark). Not <c>GC.GetTotalAllocatedBytes</c>:
/// under DATAS, the server GC's default in .NET 10, it sums only the heaps active at the moment, so it falls when the GC retires
/// a heap and a row's figure can come out negative (dotnet/runtime#131069, fixed after 10.0). Off by at most a tick per heap at
/// each end of a run. With <see cref="SampleTypes"/> (<c>--allocations</c>) it also keeps the ticks' bytes by type: a sample,
/// not a count, in which a type allocated often in small objects shows in proportion to its bytes.
/// <para>
/// Off but in <see cref="CountAsync"/>: at the verbose level the runtime sends this process's own listener some 4,000 GC events a
/// second under the bench's load (allocation ticks and the rest), each decoded into an object, and five alternating rounds of the
/// closed rows (<c>--only tollgate-cohosted --accounts 100000 --seconds 12</c>) gave the bench process 131 µs per uniform pair with the
/// listener on all the time against 120 with it off (hot 106 against 102). So a row's allocation is counted in a slice of its own
/// load, apart from the timed run (<see cref="LoadRunner"/>).
/// </para>
/// </summary>
public sealed class AllocatedBytes : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private long _total;
    private ConcurrentDictionary<string, long>? _bytesByType;
    private EventSource? _runtime;

    public static AllocatedBytes Listener { get; } = new();

    /// <summary>Bytes allocated while <paramref name="work"/> runs (and a moment after: the runtime's events arrive a little late).</summary>
    public async Task<long> CountAsync(Func<Task> work)
    {
        if (_runtime is not { } runtime) return 0;
        EnableEvents(runtime, EventLevel.Verbose, GcKeyword);
        var before = Interlocked.Read(ref _total);
        try
        {
            await work();
            await Task.Delay(250);
            return Interlocked.Read(ref _total) - before;
        }
        finally
        {
            DisableEvents(runtime);
        }
    }

    /// <summary>Starts keeping the sampled bytes by type (see <see cref="TakeTop"/>).</summary>
    public void SampleTypes() => _bytesByType ??= new();

    /// <summary>The types sampled since the last call, most bytes first, as shares of all sampled bytes; and starts again.</summary>
    public IReadOnlyList<(string Type, double Share)> TakeTop(int count)
    {
        var taken = Interlocked.Exchange(ref _bytesByType, new ConcurrentDictionary<string, long>()) ?? new();
        var total = Math.Max(1, taken.Values.Sum());
        return [.. taken.OrderByDescending(entry => entry.Value).Take(count).Select(entry => (entry.Key, (double)entry.Value / total))];
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") _runtime = eventSource;
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.PayloadNames is not { } names) return;
        var at = names.IndexOf("AllocationAmount64");
        if (at < 0 || eventData.Payload?[at] is not ulong amount) return;
        Interlocked.Add(ref _total, (long)amount);
        if (_bytesByType is { } byType)
        {
            var type = eventData.Payload[names.IndexOf("TypeName")] as string ?? "?";
            byType.AddOrUpdate(type, (long)amount, (_, sum) => sum + (long)amount);
        }
    }
}
