using Tollgate.Gateway.Metering;
using Tollgate.Grains;
using Tollgate.Grains.Limits;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// Keeps a running proxied request's hold and its limits' slots: they are taken for the lease
/// (<see cref="ProxyOptions.HoldLease"/>), and renewed to a lease from now every third of it while the request
/// runs, at the account and at each grain that holds a slot. So a request lasts as long as it needs, and a
/// gateway that dies leaves its holds for at most one lease. Renewals stop at <c>longest</c> (the provider's
/// timeout plus the longest stream), so even a stuck request cannot keep a hold beyond that and a lease.
/// A renewal that fails is logged and counted; the next one tries again. Never throws.
/// </summary>
/// <remarks>
/// One timer, disposed when the request ends: most requests end before its first tick, so they cost a timer's
/// creation and disposal and nothing else (a cancelled <see cref="PeriodicTimer"/> loop cost each request an
/// exception with its stack trace, a tenth of the proxy's CPU at 500 requests/s).
/// </remarks>
internal sealed class HoldRenewal : IDisposable
{
    private readonly IGrainFactory _grains;
    private readonly ReservationToken _token;
    private readonly TimeSpan _lease;
    private readonly TimeSpan _longest;
    private readonly TimeProvider _time;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger _logger;
    private readonly long _started;
    private readonly ITimer _timer;
    private volatile bool _stopped;
    private int _renewing; // 1 while a renewal is in flight: a slow one is not overlapped by the next tick

    private HoldRenewal(IGrainFactory grains, ReservationToken token, TimeSpan lease, TimeSpan longest, TimeProvider time, ProxyMetrics metrics, ILogger logger)
    {
        (_grains, _token, _lease, _longest, _time, _metrics, _logger) = (grains, token, lease, longest, time, metrics, logger);
        _started = time.GetTimestamp();
        _timer = time.CreateTimer(static state => ((HoldRenewal)state!).Tick(), this, lease / 3, lease / 3);
    }

    public static HoldRenewal Start(IGrainFactory grains, ReservationToken token, TimeSpan lease, TimeSpan longest, TimeProvider time, ProxyMetrics metrics, ILogger logger) =>
        new(grains, token, lease, longest, time, metrics, logger);

    private void Tick()
    {
        if (_stopped || Interlocked.Exchange(ref _renewing, 1) == 1) return;
        _ = RenewAsync();
    }

    private async Task RenewAsync()
    {
        try
        {
            if (_time.GetElapsedTime(_started) >= _longest)
            {
                _stopped = true;
                _timer.Dispose();
                _logger.LogWarning("Request {RequestId} still runs after {Seconds} s: its hold is no longer renewed and ends within {Lease} s",
                    _token.RequestId, _longest.TotalSeconds, _lease.TotalSeconds);
                return;
            }
            var renew = new RenewGrant(_token.RequestId, (int)Math.Ceiling(_lease.TotalSeconds));
            // The other grains' slots are renewed whatever the account answers: a hold lost in a silo's crash still has its slots.
            var account = _grains.Account(_token.AccountId).Renew(renew);
            await Task.WhenAll(HeldGrants.Of(_token).RenewAsync(_grains, renew), account);
            _metrics.HoldRenewed(account.Result.Renewed ? ProxyMetrics.Renewed : ProxyMetrics.Ended);
        }
        catch (Exception ex)
        {
            if (_stopped) return; // the request ended meanwhile: nothing to keep
            _metrics.HoldRenewed(ProxyMetrics.Failed);
            _logger.LogWarning("Renewing the hold of request {RequestId} failed ({Error}); retried in {Seconds} s",
                _token.RequestId, ex.Message, (_lease / 3).TotalSeconds);
        }
        finally
        {
            Volatile.Write(ref _renewing, 0);
        }
    }

    /// <summary>Stops renewing (the request is about to settle). A renewal in flight may still land: it cannot bring back a settled hold.</summary>
    public void Dispose()
    {
        _stopped = true;
        _timer.Dispose();
    }
}
