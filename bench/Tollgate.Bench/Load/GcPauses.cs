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
    private long _suspendedTicks;
    private long _longestTicks;

    public static GcPauses Listener { get; } = new();

    /// <summary>The longest pause since the last call (events arrive a little after the pause: one at a run's very end may count in the next).</summary>
    public TimeSpan TakeLongest() => TimeSpan.FromTicks(Interlocked.Exchange(ref _longestTicks, 0));

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Informational, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName == "GCSuspendEEBegin_V1") _suspendedTicks = eventData.TimeStamp.Ticks;
        else if (eventData.EventName == "GCRestartEEEnd_V1" && _suspendedTicks != 0)
        {
            var pause = eventData.TimeStamp.Ticks - _suspendedTicks;
            _suspendedTicks = 0;
            for (var longest = Volatile.Read(ref _longestTicks); pause > longest; longest = Volatile.Read(ref _longestTicks))
                if (Interlocked.CompareExchange(ref _longestTicks, pause, longest) == longest) break;
        }
    }
}
