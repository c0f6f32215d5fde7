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
    private readonly Queue<string> _order = new();

    public bool TryGet(string key, out T result) => _results.TryGetValue(key, out result!);

    public void Add(string key, T result)
    {
        if (!_results.TryAdd(key, result)) return;
        _order.Enqueue(key);
        if (_order.Count > capacity) _results.Remove(_order.Dequeue());
    }
}
