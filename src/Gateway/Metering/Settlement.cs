using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Metering;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// A request's tokens as charged; <see cref="Estimated"/> when counted by the gateway rather than reported by the provider;
/// <see cref="Details"/> the parts of them priced apart.
/// </summary>
internal readonly record struct SettledTokens(long Input, long Output, bool Estimated, TokenDetails? Details = null);

/// <summary>
/// Settles a reservation: charges the account at the captured price (with the usage row, in one
/// transaction) and gives back the limits' slots and token estimates. The one path for the metering
/// API's <c>/v1/settle</c> and the proxy. Timed in <c>tollgate.settle.duration</c>; its amounts counted in
/// <c>tollgate.charged</c>, <c>tollgate.uncollected</c> and <c>tollgate.trial_used</c> (see <see cref="GatewayMetrics"/>).
/// </summary>
internal sealed class Settlement(IGrainFactory grains, ILogger<Settlement> logger)
{
    public async Task<RequestSettled> SettleAsync(ReservationToken token, SettledTokens tokens, string outcome, bool streamed, int? latencyMs)
    {
        var settle = grains.Account(token.AccountId).Settle(new SettleRequest(token.RequestId, token.Model, token.KeyId, token.CallerIp,
            tokens.Input, tokens.Output, token.Price, token.FundedBy, outcome, streamed, latencyMs, DateTimeOffset.FromUnixTimeMilliseconds(token.AuthorizedAtMs),
            tokens.Estimated, tokens.Details));
        // Slots and token estimates are memory only: give them back alongside the settle.
        var releases = HeldGrants.Of(token).ReleaseAsync(grains, tokens.Input + tokens.Output, refund: false, logger);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var settled = await settle;
            GatewayMetrics.SettleTook(started, settled: true);
            GatewayMetrics.Amounts(settled);
            return settled;
        }
        catch
        {
            GatewayMetrics.SettleTook(started, settled: false);
            throw;
        }
        finally
        {
            await releases;
        }
    }

    /// <summary>
    /// The request was never made: its hold and limit slots go back as if never asked (the caller IP keeps it counted).
    /// The slots at the key, caller IP and model go back even when the account's void fails.
    /// </summary>
    public async Task<VoidResult> VoidAsync(ReservationToken token)
    {
        var releases = HeldGrants.Of(token).ReleaseAsync(grains, tokensUsed: 0, refund: true, logger); // never throws
        try
        {
            return await grains.Account(token.AccountId).Void(new VoidReservation(token.RequestId));
        }
        finally
        {
            await releases;
        }
    }

    /// <summary>
    /// Voids a request the gateway gave up on before it was forwarded, and never throws: the caller's own answer
    /// must not turn into another error. A void that fails is logged and counted in <c>tollgate.void_failures</c>;
    /// the account's hold then ends with its TTL (the proxy's lease), the other slots were released anyway.
    /// </summary>
    public async Task VoidQuietlyAsync(ReservationToken token, string at)
    {
        try
        {
            await VoidAsync(token);
        }
        catch (Exception ex)
        {
            GatewayMetrics.VoidFailed(at);
            logger.LogError("Voiding the hold of request {RequestId} of account {AccountId} failed ({Error}); it ends with its TTL",
                token.RequestId, token.AccountId, ex.Message);
        }
    }
}
