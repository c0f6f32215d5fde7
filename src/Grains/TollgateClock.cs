namespace Tollgate.Grains;

/// <summary>
/// The clock grains read the time from: a keyed <see cref="TimeProvider"/>, so tests can move Tollgate's
/// time (trials, prices, windows) without moving the clock Orleans itself runs on (timeouts, probes).
/// Unregistered, it resolves to Orleans' own (the system clock).
/// </summary>
public static class TollgateClock
{
    public const string Key = "tollgate";
}
