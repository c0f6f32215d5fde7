using System.Diagnostics;

namespace Tollgate.Grains.Accounts;

/// <summary>
/// The results of the most recent idempotent operations, so a retry is answered from memory.
/// Bounded (oldest evicted first); a miss falls back to the ledger, whose unique index is the
/// real guarantee. Its owners make it on first use: most idle accounts hold none, and every byte of
/// an idle activation counts a million times.
/// </summary>
internal sealed class RecentResults<T>(int capacity)
{
    private readonly Dictionary<string, T> _results = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, long AddedAt)> _order = new(); // AddedAt on the system's clock (Stopwatch)

    public int Count => _results.Count;

    public bool TryGet(string key, out T result) => _results.TryGetValue(key, out result!);

    public void Add(string key, T result)
    {
        if (!_results.TryAdd(key, result)) return;
        _order.Enqueue((key, Stopwatch.GetTimestamp()));
        if (_order.Count > capacity) _results.Remove(_order.Dequeue().Key);
    }

    /// <summary>
    /// Forgets the results added at or before <paramref name="timestamp"/> (a <see cref="Stopwatch"/> timestamp). Only for
    /// results whose writes have committed: a repeat then finds them in the ledger.
    /// </summary>
    public void ForgetAddedBy(long timestamp)
    {
        while (_order.TryPeek(out var oldest) && oldest.AddedAt <= timestamp) _results.Remove(_order.Dequeue().Key);
    }
}
