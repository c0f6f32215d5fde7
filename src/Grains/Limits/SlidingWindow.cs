namespace Tollgate.Grains.Limits;

/// <summary>
/// A limit of <c>Limit</c> units (requests or tokens) per sliding <c>Window</c>, kept as a ring of
/// equal time buckets. Admission counts every bucket that overlaps the window ending now, the
/// oldest one whole, so the units admitted in <em>any</em> window of that length never exceed the
/// limit: no 2× burst at a boundary as with fixed windows. The price of that guarantee is
/// conservative accuracy: a unit is counted until its whole bucket has left the window, so
/// admission may come up to one bucket (window ÷ buckets) later than an exact log would allow.
/// Memory is one long per bucket, whatever the limit, and none while nothing is counted: an idle scope's
/// windows hold no buckets (most activations are idle ones).
/// </summary>
internal sealed class SlidingWindow
{
    private long[]? _buckets; // null while nothing is counted
    private readonly int _length;
    private readonly long _bucketMs;
    private long _newest; // absolute number of the newest bucket (time ÷ bucket length)
    private long _total;

    public SlidingWindow(long limit, long windowMs, int buckets)
    {
        if (limit < 1 || buckets < 1 || windowMs < buckets || windowMs % buckets != 0)
            throw new ArgumentOutOfRangeException(nameof(windowMs), "A window needs a positive limit and a length divisible into its buckets.");
        Limit = limit;
        WindowMs = windowMs;
        _bucketMs = windowMs / buckets;
        // One bucket more than the window holds: the oldest, partly outside, still counts.
        _length = buckets + 1;
    }

    /// <summary>The limit; changing it keeps what is counted, so a new limit applies to the window as it stands.</summary>
    public long Limit
    {
        get;
        set => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public long WindowMs { get; }

    /// <summary>Whether the window holds buckets now: only while it counts something.</summary>
    public bool HoldsBuckets => _buckets is not null;

    /// <summary>Units this window counted since it was made, refunds aside (it never goes down): what a checkpoint exported now covers.</summary>
    public long Taken { get; private set; }

    /// <summary>The bucket an instant falls in (what <see cref="TryAdd"/> reports, for <see cref="Correct"/>).</summary>
    public long BucketOf(long nowMs) => nowMs / _bucketMs;

    /// <summary>Milliseconds until every unit counted now has left the window; 0 when nothing is counted.</summary>
    public long ResetMs(long nowMs)
    {
        Advance(nowMs);
        for (var age = 0; _buckets is not null && age < _length; age++)
        {
            if (_buckets[Slot(_newest - age)] > 0) return (_newest - age + _length) * _bucketMs - nowMs;
        }
        return 0;
    }

    /// <summary>Whether <paramref name="units"/> would be admitted now, and if not, in how many milliseconds they could be.</summary>
    public bool Fits(long units, long nowMs, out long retryAfterMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(units);
        Advance(nowMs);
        var fits = _total + units <= Limit;
        retryAfterMs = fits ? 0 : RetryAfter(units, nowMs);
        return fits;
    }

    /// <summary>Counts <paramref name="units"/> now, whether or not they fit (check <see cref="Fits"/> first).</summary>
    public void Add(long units, long nowMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(units);
        Advance(nowMs);
        if (units == 0) return;
        Buckets()[Slot(_newest)] += units;
        _total += units;
        Taken += units;
    }

    /// <summary>Units that could be admitted now.</summary>
    public long Remaining(long nowMs)
    {
        Advance(nowMs);
        return Math.Max(0, Limit - _total);
    }

    /// <summary>Admits <paramref name="units"/> if they fit; returns the bucket they were counted in (for a later correction).</summary>
    public bool TryAdd(long units, long nowMs, out long bucket, out long retryAfterMs)
    {
        var fits = Fits(units, nowMs, out retryAfterMs);
        bucket = _newest;
        if (!fits) return false;
        Add(units, nowMs);
        return true;
    }

    /// <summary>
    /// Changes what was counted in <paramref name="bucket"/> by <paramref name="delta"/> (an estimate
    /// corrected to the actual count). Ignored once that bucket has left the window.
    /// </summary>
    public void Correct(long bucket, long delta, long nowMs)
    {
        Advance(nowMs);
        if (bucket > _newest || bucket <= _newest - _length || (_buckets is null && delta <= 0)) return;
        var buckets = Buckets();
        var slot = Slot(bucket);
        var corrected = Math.Max(0, buckets[slot] + delta);
        _total += corrected - buckets[slot];
        Taken += Math.Max(0, corrected - buckets[slot]);
        buckets[slot] = corrected;
        if (_total == 0) _buckets = null;
    }

    /// <summary>The buckets as they stand now, to carry to another activation.</summary>
    public WindowState Export(long nowMs)
    {
        Advance(nowMs);
        if (_buckets is not { } buckets) return new WindowState(_newest, []);
        // From the oldest bucket that counts anything: most windows are sparse, and a checkpoint rides every change.
        var oldest = _length - 1;
        while (oldest >= 0 && buckets[Slot(_newest - oldest)] == 0) oldest--;
        var counts = new long[oldest + 1];
        for (var i = 0; i < counts.Length; i++) counts[i] = buckets[Slot(_newest - oldest + i)];
        return new WindowState(_newest, counts);
    }

    /// <summary>
    /// Takes over what another activation counted (<see cref="Export"/>), in place of what this one has; buckets
    /// that have left the window since are dropped. A state of more buckets than this window has is ignored.
    /// </summary>
    public void Import(WindowState state, long nowMs)
    {
        if (state.Counts.Length > _length) return; // not a window of this length
        _buckets = null;
        _newest = state.Newest;
        _total = 0;
        for (var i = 0; i < state.Counts.Length; i++)
        {
            var count = Math.Max(0, state.Counts[i]);
            if (count == 0) continue;
            Buckets()[Slot(_newest - (state.Counts.Length - 1) + i)] = count;
            _total += count;
        }
        Advance(nowMs);
    }

    private long RetryAfter(long units, long nowMs)
    {
        if (units > Limit) return long.MaxValue; // never fits
        var excess = _total + units - Limit;
        // Buckets leave the count oldest first; find the one whose departure frees enough.
        for (var age = _length - 1; _buckets is not null && age >= 0; age--)
        {
            var bucket = _newest - age;
            excess -= _buckets[Slot(bucket)];
            if (excess <= 0) return (bucket + _length) * _bucketMs - nowMs;
        }
        return WindowMs;
    }

    private void Advance(long nowMs)
    {
        var current = nowMs / _bucketMs;
        if (current <= _newest) return;
        if (_buckets is { } buckets)
        {
            var stale = Math.Min(current - _newest, _length);
            for (var i = 1; i <= stale; i++)
            {
                var slot = Slot(_newest + i);
                _total -= buckets[slot];
                buckets[slot] = 0;
            }
            if (_total == 0) _buckets = null; // drained: an idle window holds no buckets
        }
        _newest = current;
    }

    private long[] Buckets() => _buckets ??= new long[_length];

    private int Slot(long bucket) => (int)(((bucket % _length) + _length) % _length);
}
