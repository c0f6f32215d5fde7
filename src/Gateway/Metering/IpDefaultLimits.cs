using Tollgate.Grains;
using Tollgate.Grains.Limits;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// The caller IP defaults, read from their grain at most every <see cref="MeteringOptions.IpDefaultsRefresh"/>
/// by one caller at a time, in the background: callers use the last known defaults meanwhile (only the
/// very first read is waited for). A change reaches every gateway within about that interval. If a read
/// fails the last known defaults stay in force and the read is tried again a second later.
/// </summary>
internal sealed class IpDefaultLimits(IGrainFactory grains, MeteringOptions options, TimeProvider time, ILogger<IpDefaultLimits> logger)
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private LimitSettings _current = LimitSettings.None;
    private long _freshUntil = long.MinValue;
    private Task? _refresh;

    public async ValueTask<LimitSettings> GetAsync()
    {
        if (time.GetTimestamp() < Volatile.Read(ref _freshUntil)) return _current;
        Task refresh;
        lock (_gate)
        {
            if (time.GetTimestamp() < _freshUntil) return _current;
            if (_refresh is null || _refresh.IsCompleted) _refresh = RefreshAsync();
            refresh = _refresh;
        }
        if (_freshUntil == long.MinValue) await refresh.ConfigureAwait(false); // nothing known yet
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
        Volatile.Write(ref _freshUntil, time.GetTimestamp() + (long)(interval.TotalSeconds * time.TimestampFrequency));
    }
}
