namespace Tollgate.Persistence;

/// <summary>
/// The writes of one activation, committed in the order they were made. When one fails, every
/// later one fails without running: each was computed from in-memory state that assumed the
/// failed one, so the activation must be discarded and the next one reloads the committed state.
/// </summary>
public sealed class WriteChain
{
    private Exception? _reason;

    public bool IsBroken => Volatile.Read(ref _reason) is not null;

    public void Break(Exception reason) => Interlocked.CompareExchange(ref _reason, reason, null);
}
