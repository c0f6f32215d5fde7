namespace Tollgate.Runtime.Persistence;

/// <summary>
/// The writes of one activation, committed in the order they were made. When one fails, every
/// later one fails without running: each was computed from in-memory state that assumed the
/// failed one, so the activation is discarded and the next call reloads the committed state.
/// </summary>
public sealed class WriteChain(Action<Exception> onBroken)
{
    private int _broken;

    public bool IsBroken => Volatile.Read(ref _broken) != 0;

    public void Break(Exception reason)
    {
        if (Interlocked.Exchange(ref _broken, 1) == 0) onBroken(reason);
    }
}
