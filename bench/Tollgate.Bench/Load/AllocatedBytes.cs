using System.Diagnostics.Tracing;

namespace Tollgate.Bench.Load;

/// <summary>
/// Bytes this process allocated, summed from the runtime's allocation ticks (one event about every 100 KB a heap allocates,
/// carrying the amount since the last one). Not <c>GC.GetTotalAllocatedBytes</c>: under DATAS, the server GC's default in
/// .NET 10, it sums only the heaps active at the moment, so it falls when the GC retires a heap and a row's figure can come
/// out negative (dotnet/runtime#131069, fixed after 10.0). Off by at most a tick per heap at each end of a run.
/// </summary>
public sealed class AllocatedBytes : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private long _total;

    public static AllocatedBytes Listener { get; } = new();

    public long Total => Interlocked.Read(ref _total);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.PayloadNames is not { } names) return;
        var at = names.IndexOf("AllocationAmount64");
        if (at >= 0 && eventData.Payload?[at] is ulong amount) Interlocked.Add(ref _total, (long)amount);
    }
}
