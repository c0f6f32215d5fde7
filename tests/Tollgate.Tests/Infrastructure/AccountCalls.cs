using Tollgate.Grains.Accounts;
using Tollgate.Grains.Metering;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// Holds and charges of plain amounts through the account calls a gateway makes (authorize, settle). At
/// <see cref="OneNanoUsdAToken"/> a request's token count is its amount in nano-USD: all of it input tokens.
/// </summary>
public static class AccountCalls
{
    public static readonly Price OneNanoUsdAToken = new(InputPerMillion: 1_000_000, OutputPerMillion: 1_000_000);

    /// <summary>Authorizes a request whose worst-case cost, held until settle, void or expiry, is <paramref name="amount"/>.</summary>
    public static Task<AccountAdmission> HoldAsync(this IAccountGrain account, string requestId, long amount, int ttlSeconds) =>
        account.Authorize(new AuthorizeAccount(requestId, null, EstimatedInputTokens: amount, MaxOutputTokens: 0, OneNanoUsdAToken, ttlSeconds));

    /// <summary>Settles a request (model "m") that cost <paramref name="cost"/>.</summary>
    public static Task<RequestSettled> ChargeAsync(this IAccountGrain account, string requestId, long cost) =>
        account.Settle(new SettleRequest(requestId, "m", null, null, InputTokens: cost, OutputTokens: 0, OneNanoUsdAToken, null, "success", false, null, null));

    /// <summary>The hold a settlement released, as its ledger row records it (0 for a late settlement).</summary>
    public static async Task<long> SettledReservationAsync(string database, string accountId, string requestId)
    {
        var reserved = await Ledger.ScalarAsync(database,
            "SELECT COALESCE((SELECT reserved FROM ledger WHERE account_id = $1 AND kind = 'settle' AND op_key = $2), -1)", accountId, requestId);
        return reserved >= 0 ? reserved : throw new InvalidOperationException($"The ledger of '{accountId}' has no settlement of '{requestId}'.");
    }
}
