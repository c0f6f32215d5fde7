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
internal sealed class HoldRenewal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    private HoldRenewal()
    {
    }

    public static HoldRenewal Start(IGrainFactory grains, ReservationToken token, TimeSpan lease, TimeSpan longest, TimeProvider time, ProxyMetrics metrics, ILogger logger)
    {
        var renewal = new HoldRenewal();
        _ = renewal.RunAsync(grains, token, lease, longest, time, metrics, logger);
        return renewal;
    }

    private async Task RunAsync(IGrainFactory grains, ReservationToken token, TimeSpan lease, TimeSpan longest, TimeProvider time, ProxyMetrics metrics, ILogger logger)
    {
        var cancel = _stop.Token;
        var started = time.GetTimestamp();
        var renew = new RenewGrant(token.RequestId, (int)Math.Ceiling(lease.TotalSeconds));
        var held = HeldGrants.Of(token);
        try
        {
            using var timer = new PeriodicTimer(lease / 3, time);
            while (await timer.WaitForNextTickAsync(cancel))
            {
                if (time.GetElapsedTime(started) >= longest)
                {
                    logger.LogWarning("Request {RequestId} still runs after {Seconds} s: its hold is no longer renewed and ends within {Lease} s",
                        token.RequestId, longest.TotalSeconds, lease.TotalSeconds);
                    return;
                }
                try
                {
                    // The other grains' slots are renewed whatever the account answers: a hold lost in a silo's crash still has its slots.
                    var account = grains.Account(token.AccountId).Renew(renew);
                    await Task.WhenAll(held.RenewAsync(grains, renew), account);
                    metrics.HoldRenewed(account.Result.Renewed ? ProxyMetrics.Renewed : ProxyMetrics.Ended);
                }
                catch (Exception ex)
                {
                    if (cancel.IsCancellationRequested) return; // the request ended meanwhile: nothing to keep
                    metrics.HoldRenewed(ProxyMetrics.Failed);
                    logger.LogWarning("Renewing the hold of request {RequestId} failed ({Error}); retried in {Seconds} s",
                        token.RequestId, ex.Message, (lease / 3).TotalSeconds);
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The request ended: it settles now.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Renewing the hold of request {RequestId} stopped", token.RequestId);
        }
    }

    /// <summary>Stops renewing (the request is about to settle). A renewal in flight may still land: it cannot bring back a settled hold.</summary>
    public void Dispose() => _stop.Cancel(); // not disposed: the loop may still look at its token

}
