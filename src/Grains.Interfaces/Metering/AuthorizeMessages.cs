using Tollgate.Grains.Limits;
using Tollgate.Runtime;

namespace Tollgate.Grains.Metering;

// The grain side of authorize and settle. A gateway asks, in this order of authority: the caller
// IP, the API key, the model, then the account; when one denies, it releases what the others took.
// Every message is idempotent by request id: a repeat finds the grant it already made.

/// <summary>
/// Counts a request against a caller IP (keyed by <see cref="CallerAddress"/>). The IP's own limits
/// apply when an operator set them, otherwise <see cref="Defaults"/> (the cluster's IP defaults).
/// </summary>
public sealed record AuthorizeIp(string RequestId, long Tokens, int TtlSeconds, LimitSettings Defaults) : IGrainRequest<Admission>;

/// <summary>Verifies a presented key (by the hash of its secret) and counts the request against the key's limits.</summary>
public sealed record AuthorizeKey(string SecretHash, string RequestId, long Tokens, int TtlSeconds) : IGrainRequest<KeyAdmission>;

public sealed record KeyAdmission(Admission Admission, string? AccountId);

/// <summary>
/// Captures the model's price in force now and counts the request against the model's global
/// limits. A model without a price is denied (model_unknown) unless a <see cref="DefaultPrice"/> is given.
/// </summary>
public sealed record AuthorizeModel(string RequestId, long Tokens, int TtlSeconds, Price? DefaultPrice) : IGrainRequest<ModelAdmission>;

/// <param name="Price">The price captured for the request (null when denied for lack of one).</param>
/// <param name="Unpriced">The model has no price in force: the caller must count and log it.</param>
public sealed record ModelAdmission(Admission Admission, Price? Price, bool Unpriced);

/// <summary>
/// The account's part of an authorize: status, then its limits, then funding: the trial first, paid
/// credit after. Holds the request's worst-case cost (estimated input plus max output tokens at the
/// captured price) until settle, void or expiry.
/// </summary>
public sealed record AuthorizeAccount(
    string RequestId,
    string? KeyId,
    long EstimatedInputTokens,
    long MaxOutputTokens,
    Price Price,
    int TtlSeconds) : IGrainRequest<AccountAdmission>, IProvisionalRequest; // the hold lives in memory: it need not wait for earlier settles' commits

/// <param name="FundedBy">"trial" or "credit" when allowed.</param>
/// <param name="Reserved">The worst-case cost held for the request, in nano-USD.</param>
public sealed record AccountAdmission(Admission Admission, string? FundedBy, long Reserved, long Available, DateTimeOffset? AuthorizedAt);

/// <summary>
/// Charges a request at its captured price and records its usage event, in one transaction with
/// the ledger row; releases its hold and corrects the account's token windows. Without a prior
/// authorize (<c>POST /v1/usage</c>) it is charged the same way, as a late settlement. Idempotent:
/// a repeat returns the first result; a repeat with other token counts is a conflict.
/// </summary>
public sealed record SettleRequest(
    string RequestId,
    string Model,
    string? KeyId,
    string? CallerIp,
    long InputTokens,
    long OutputTokens,
    Price Price,
    string? FundedBy,
    string Outcome,
    bool Streamed,
    int? LatencyMs,
    DateTimeOffset? AuthorizedAt) : IGrainRequest<RequestSettled>;

/// <param name="Cost">What the request cost at its price.</param>
/// <param name="TrialUsed">The part of the cost the trial covered.</param>
/// <param name="Charged">What the paid balance lost.</param>
/// <param name="Uncollected">What the overdraft policy did not allow to charge.</param>
public sealed record RequestSettled(
    string RequestId,
    string Model,
    long InputTokens,
    long OutputTokens,
    Price Price,
    long Cost,
    long TrialUsed,
    long Charged,
    long Uncollected,
    long BalanceAfter);

public static class Funding
{
    public const string Credit = "credit";
    public const string Trial = "trial";
}
