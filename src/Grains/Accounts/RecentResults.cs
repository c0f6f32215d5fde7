namespace Tollgate.Grains.Accounts;

/// <summary>
/// The results of the most recent idempotent operations, so a retry is answered from memory.
/// Bounded (oldest evicted first); a miss falls back to the ledger, whose unique index is the
/// real guarantee. Allocated on first use: most idle accounts hold none, and every byte of an idle
/// activation counts a million times.
/// </summary>
internal sealed class RecentResults<T>(int capacity)
{
    private Dictionary<string, T>? _results;
    private Queue<string>? _order;

    public bool TryGet(string key, out T result)
    {
        result = default!;
        return _results?.TryGetValue(key, out result!) == true;
    }

    /// <summary>Forgets every result (after a failed write, some of them may never have committed).</summary>
    public void Clear()
    {
        _results = null;
        _order = null;
    }

    public void Add(string key, T result)
    {
        _results ??= new Dictionary<string, T>(StringComparer.Ordinal);
        _order ??= new Queue<string>();
        if (!_results.TryAdd(key, result)) return;
        _order.Enqueue(key);
        if (_order.Count > capacity) _results.Remove(_order.Dequeue());
    }
}
