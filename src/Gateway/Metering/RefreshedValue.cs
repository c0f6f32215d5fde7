namespace Tollgate.Gateway.Metering;

/// <summary>
/// A value a gateway copies from the cluster and reads again at most every <c>interval</c>, by one caller at a
/// time. While the last read is at most one more interval old, callers use it and the read runs in the background (a
/// busy gateway never waits); older than that (the first read, an idle gateway, or after <see cref="Expire"/>) the read
/// is waited for. So a change is seen within two intervals of being made. A read that throws keeps the last value,
/// and is tried again after <see cref="RetryAfterFailure"/>. A read is given the last value (to skip what did not change).
/// </summary>
internal sealed class RefreshedValue<T>(Func<T, Task<T>> read, T initial, TimeSpan interval, TimeProvider time, Action<Exception> failed)
{
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private T _value = initial;
    private long _freshUntil = long.MinValue;
    private long _usableUntil = long.MinValue; // past this, the last read is too old to serve while reading again
    private long _generation; // moved on by Expire: a read begun before it is discarded
    private Task? _refresh;
    private long _refreshGeneration;

    /// <summary>The value as last read, without reading it again.</summary>
    public T Peek() => _value;

    public async ValueTask<T> GetAsync()
    {
        var now = time.GetTimestamp();
        if (now < Volatile.Read(ref _freshUntil)) return _value;
        Task refresh;
        lock (_gate)
        {
            if (now < _freshUntil) return _value;
            if (_refresh is null || _refresh.IsCompleted || _refreshGeneration != _generation)
                (_refresh, _refreshGeneration) = (RefreshAsync(_generation), _generation);
            refresh = _refresh;
        }
        if (now >= Volatile.Read(ref _usableUntil)) await refresh.ConfigureAwait(false);
        return _value;
    }

    /// <summary>The value changed here (through this gateway): the next caller waits for a new read.</summary>
    public void Expire()
    {
        lock (_gate)
        {
            _generation++;
            _freshUntil = _usableUntil = long.MinValue;
        }
    }

    private async Task RefreshAsync(long generation)
    {
        T value;
        try
        {
            value = await read(_value).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failed(ex);
            lock (_gate)
            {
                if (generation != _generation) return;
                var failedAt = time.GetTimestamp();
                _usableUntil = failedAt + 2 * Ticks(interval); // the last known value stays in force meanwhile
                _freshUntil = failedAt + Ticks(RetryAfterFailure);
            }
            return;
        }
        lock (_gate)
        {
            if (generation != _generation) return; // expired while reading: what was read may predate the change
            var now = time.GetTimestamp();
            _value = value;
            _usableUntil = now + 2 * Ticks(interval);
            _freshUntil = now + Ticks(interval);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);
}
