using System.Diagnostics.Tracing;

namespace Tollgate.Bench.Load;

/// <summary>
/// This process's longest garbage-collection pause, read from the runtime's own GC events (suspension begun to
/// execution restarted). The total pause time hides what a tail latency is made of: a run with many short pauses
/// and one with a few long ones can pause as long in all.
/// </summary>
public sealed class GcPauses : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const int MaxKept = 4_096;
    private readonly Queue<(DateTime Start, DateTime End)> _kept = new(); // the latest pauses, for what a slow pair waited on (StallWitness)
    private long _suspendedTicks;
    private long _longestTicks;

    public static GcPauses Listener { get; } = new();

    /// <summary>The longest pause since the last call (events arrive a little after the pause: one at a run's very end may count in the next).</summary>
    public TimeSpan TakeLongest() => TimeSpan.FromTicks(Interlocked.Exchange(ref _longestTicks, 0));

    /// <summary>The kept pauses that overlap <paramref name="from"/> to <paramref name="to"/> (UTC): their time within it, and the longest of them.</summary>
    public (TimeSpan Within, TimeSpan Longest) Between(DateTime from, DateTime to)
    {
        var (within, longest) = (TimeSpan.Zero, TimeSpan.Zero);
        lock (_kept)
        {
            foreach (var (start, end) in _kept)
            {
                var overlap = (end < to ? end : to) - (start > from ? start : from);
                if (overlap <= TimeSpan.Zero) continue;
                within += overlap;
                if (end - start > longest) longest = end - start;
            }
        }
        return (within, longest);
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Informational, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName == "GCSuspendEEBegin_V1") _suspendedTicks = eventData.TimeStamp.ToUniversalTime().Ticks;
        else if (eventData.EventName == "GCRestartEEEnd_V1" && _suspendedTicks != 0)
        {
            var ended = eventData.TimeStamp.ToUniversalTime().Ticks;
            var pause = ended - _suspendedTicks;
            lock (_kept)
            {
                _kept.Enqueue((new DateTime(_suspendedTicks, DateTimeKind.Utc), new DateTime(ended, DateTimeKind.Utc)));
                if (_kept.Count > MaxKept) _kept.Dequeue();
            }
            _suspendedTicks = 0;
            for (var longest = Volatile.Read(ref _longestTicks); pause > longest; longest = Volatile.Read(ref _longestTicks))
                if (Interlocked.CompareExchange(ref _longestTicks, pause, longest) == longest) break;
        }
    }
}
