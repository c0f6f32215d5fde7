namespace Tollgate.Grains.Limits;

/// <summary>At most <see cref="Limit"/> requests in flight; a slot is released on settle, void or when its reservation expires.</summary>
internal sealed class ConcurrencyLimit(int limit)
{
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);

    public int Limit { get; } = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit));
    public int InFlight => _inFlight.Count;
    public int Remaining => Math.Max(0, Limit - _inFlight.Count);

    /// <summary>Takes a slot for the request (idempotent: the same request holds one slot).</summary>
    public bool TryAcquire(string requestId) => _inFlight.Contains(requestId) || (_inFlight.Count < Limit && _inFlight.Add(requestId));

    public bool Release(string requestId) => _inFlight.Remove(requestId);
}
