namespace Tollgate.Grains;

/// <summary>
/// Request ids in order of expiry, for holds that mostly end (settle, release) before they expire.
/// An ended hold stays queued until its time comes, so a busy scope would keep rate × TTL ids;
/// <see cref="Compact"/> rebuilds the queue from the live holds once ended ones outnumber them, which
/// keeps it at O(live) entries for amortized O(log n) per hold.
/// </summary>
internal sealed class ExpiryQueue
{
    // Below this many queued ids a rebuild is not worth doing.
    private const int Slack = 64;

    private readonly PriorityQueue<string, long> _queue = new(); // its owner makes the whole queue with its first hold: an idle scope holds none

    public int Count => _queue.Count;

    public void Enqueue(string requestId, long expiresAt) => _queue.Enqueue(requestId, expiresAt);

    /// <summary>The next id whose expiry is at or before <paramref name="now"/>, which may have ended already.</summary>
    public bool TryDequeueDue(long now, out string requestId, out long expiresAt)
    {
        requestId = "";
        expiresAt = 0;
        if (_queue.TryPeek(out requestId!, out expiresAt) && expiresAt <= now)
        {
            _queue.Dequeue();
            return true;
        }
        return false;
    }

    /// <summary>
    /// Drops ended holds once they make up most of the queue: clears it when nothing is live, else rebuilds
    /// it from <paramref name="live"/>'s entries (called only then, so the common case allocates nothing).
    /// </summary>
    public void Compact<TOwner>(int liveCount, TOwner owner, Func<TOwner, IEnumerable<(string RequestId, long ExpiresAt)>> live)
    {
        if (liveCount == 0) _queue.Clear();
        else if (_queue.Count > 2 * liveCount + Slack)
        {
            _queue.Clear();
            _queue.EnqueueRange(live(owner));
        }
    }
}
