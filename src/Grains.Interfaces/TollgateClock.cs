namespace Tollgate.Grains;

/// <summary>
/// The clock grains read the time from, and gateways price by: a keyed <see cref="TimeProvider"/>, so tests can
/// move Tollgate's time (trials, prices, windows) without moving the clock Orleans itself runs on (timeouts,
/// probes). Unregistered, it resolves to Orleans' own (the system clock). A gateway given an in-process cluster's
/// client takes that client's, so it prices by the same clock as the silos.
/// </summary>
public static class TollgateClock
{
    public const string Key = "tollgate";
}
