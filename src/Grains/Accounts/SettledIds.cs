using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Tollgate.Grains.Accounts;

/// <summary>
/// The request ids an account settled lately, as 64-bit hashes, so an authorize of one is refused without keeping its
/// result. Bounded (oldest forgotten first). Only value types: a kept result was a young object referenced from an old
/// account, which every collection traced and copied until it reached gen 2 (a large part of a gen 0 pause on many accounts).
/// The hash is keyed by a random seed per process, so no caller can aim one id at another's; an accidental collision
/// (about 2⁻⁶⁴ per id held) refuses one authorize as already settled, and never charges anything.
/// </summary>
internal sealed class SettledIds(int capacity)
{
    private static readonly long Seed = Random.Shared.NextInt64();

    private readonly Dictionary<ulong, int> _held = []; // hash → how many queued entries carry it
    private readonly Queue<(ulong Hash, long AddedAt)> _order = new(); // AddedAt on the system's clock (Stopwatch)

    public int Count => _order.Count;

    public bool Contains(string requestId) => _held.ContainsKey(Hash(requestId));

    public void Add(string requestId)
    {
        var hash = Hash(requestId);
        CollectionsMarshal.GetValueRefOrAddDefault(_held, hash, out _)++;
        _order.Enqueue((hash, Stopwatch.GetTimestamp()));
        if (_order.Count > capacity) Forget(_order.Dequeue().Hash);
    }

    /// <summary>Forgets the ids added at or before <paramref name="timestamp"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public void ForgetAddedBy(long timestamp)
    {
        while (_order.TryPeek(out var oldest) && oldest.AddedAt <= timestamp) Forget(_order.Dequeue().Hash);
    }

    private void Forget(ulong hash)
    {
        ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(_held, hash);
        if (--count == 0) _held.Remove(hash);
    }

    private static ulong Hash(string requestId) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(requestId.AsSpan()), Seed);
}
