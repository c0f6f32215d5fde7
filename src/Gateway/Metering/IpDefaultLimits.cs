using Tollgate.Grains;
using Tollgate.Grains.Limits;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// The caller IP defaults, read from their grain at most every <see cref="MeteringOptions.IpDefaultsRefresh"/>
/// by one caller at a time. While the last read is at most one more interval old, callers use it and the
/// read runs in the background (a busy gateway never waits); older than that (the first read, or a gateway
/// that was idle) the read is waited for, so a change made a while ago is never missed. A change reaches
/// every gateway within about two intervals. If a read fails the last known defaults stay in force and
/// the read is tried again a second later.
/// </summary>
internal sealed class IpDefaultLimits(IGrainFactory grains, MeteringOptions options, TimeProvider time, ILogger<IpDefaultLimits> logger)
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private LimitSettings _current = LimitSettings.None;
    private long _freshUntil = long.MinValue;
    private long _usableUntil = long.MinValue; // past this, the last read is too old to serve while reading again
    private Task? _refresh;

    public async ValueTask<LimitSettings> GetAsync()
    {
        var now = time.GetTimestamp();
        if (now < Volatile.Read(ref _freshUntil)) return _current;
        Task refresh;
        lock (_gate)
        {
            if (now < _freshUntil) return _current;
            if (_refresh is null || _refresh.IsCompleted) _refresh = RefreshAsync();
            refresh = _refresh;
        }
        if (now >= Volatile.Read(ref _usableUntil)) await refresh.ConfigureAwait(false);
        return _current;
    }

    private async Task RefreshAsync()
    {
        var interval = options.IpDefaultsRefresh;
        try
        {
            var view = await grains.CallerIp(GrainKeys.IpDefaults).GetLimits().ConfigureAwait(false);
            _current = view.Settings ?? LimitSettings.None;
        }
        catch (Exception ex)
        {
            logger.LogWarning("Reading the caller IP defaults failed ({Error}); the last known ones stay in force", ex.Message);
            interval = RetryAfterFailure;
        }
        var now = time.GetTimestamp();
        Volatile.Write(ref _usableUntil, now + 2 * Ticks(options.IpDefaultsRefresh));
        Volatile.Write(ref _freshUntil, now + Ticks(interval));
    }

    private long Ticks(TimeSpan interval) => (long)(interval.TotalSeconds * time.TimestampFrequency);
}
