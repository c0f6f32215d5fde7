using Tollgate.Grains.Limits;

namespace Tollgate.Grains.Metering;

// The grain side of authorize and settle. A gateway asks, in this order of authority: the caller
// IP, the API key, the model, then the account; when one denies, it releases what the others took.
// Every message is idempotent by request id: a repeat finds the grant it already made.

/// <summary>
/// Counts a request against a caller IP (keyed by <see cref="CallerAddress"/>). The IP's own limits
/// apply when an operator set them, otherwise <see cref="Defaults"/> (the cluster's IP defaults).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AuthorizeIp([property: Id(0)] string RequestId, [property: Id(1)] long Tokens, [property: Id(2)] int TtlSeconds, [property: Id(3)] LimitSettings Defaults);

/// <summary>
/// Verifies a presented key (by the hash of its secret), checks that it may use <see cref="Model"/> (model_not_allowed,
/// before anything is counted), and counts the request against the key's limits. No model: not checked.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AuthorizeKey(
    [property: Id(0)] string SecretHash, [property: Id(1)] string RequestId, [property: Id(2)] long Tokens, [property: Id(3)] int TtlSeconds, [property: Id(4)] string? Model = null);

[GenerateSerializer]
public sealed record KeyAdmission([property: Id(0)] Admission Admission, [property: Id(1)] string? AccountId);

/// <summary>
/// Captures the model's price in force now and counts the request against the model's global
/// limits. A model without a price is denied (model_unknown) unless a <see cref="DefaultPrice"/> is given;
/// with <see cref="RequireRoute"/> (the proxy), a model without a route is denied (model_not_routed).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AuthorizeModel(
    [property: Id(0)] string RequestId, [property: Id(1)] long Tokens, [property: Id(2)] int TtlSeconds, [property: Id(3)] Price? DefaultPrice,
    [property: Id(4)] bool RequireRoute = false);

/// <param name="Price">The price captured for the request (null when denied for lack of one).</param>
/// <param name="Unpriced">The model has no price in force: the caller must count and log it.</param>
/// <param name="Route">Where the proxy forwards the request, captured with the price.</param>
/// <param name="Known">An operator configured the model (a price, route or limits): its name is not one a caller made up.</param>
[GenerateSerializer]
public sealed record ModelAdmission(
    [property: Id(0)] Admission Admission, [property: Id(1)] Price? Price, [property: Id(2)] bool Unpriced, [property: Id(3)] Models.ModelRoute? Route = null,
    [property: Id(4)] bool Known = false);

/// <summary>
/// The account's part of an authorize: status, then its limits, then funding: the trial first, paid
/// credit after. Holds the request's worst-case cost (<see cref="Price.WorstCase"/> of the estimated input
/// and max output tokens at the captured price) until settle, void or expiry.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AuthorizeAccount(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string? KeyId,
    [property: Id(2)] long EstimatedInputTokens,
    [property: Id(3)] long MaxOutputTokens,
    [property: Id(4)] Price Price,
    [property: Id(5)] int TtlSeconds);

/// <param name="FundedBy">"trial" or "credit" when allowed.</param>
/// <param name="Reserved">The worst-case cost held for the request, in nano-USD.</param>
/// <param name="Budgets">The budgets the request counts against (the account's and its key's), after its hold.</param>
[GenerateSerializer, Immutable]
public sealed record AccountAdmission(
    [property: Id(0)] Admission Admission, [property: Id(1)] string? FundedBy, [property: Id(2)] long Reserved, [property: Id(3)] long Available,
    [property: Id(4)] DateTimeOffset? AuthorizedAt, [property: Id(5)] IReadOnlyList<Budgets.BudgetState>? Budgets = null);

/// <summary>
/// Charges a request at its captured price and records its usage event, in one transaction with
/// the ledger row; releases its hold and corrects the account's token windows. Without a prior
/// authorize (<c>POST /v1/usage</c>) it is charged the same way, as a late settlement. Idempotent:
/// a repeat returns the first result; a repeat with other token counts is a conflict.
/// <see cref="Estimated"/>: the token counts are the proxy's own count, not the provider's report.
/// <see cref="Details"/>: the parts of the input and output tokens priced apart (cached, cache writes, reasoning, audio).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SettleRequest(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string Model,
    [property: Id(2)] string? KeyId,
    [property: Id(3)] string? CallerIp,
    [property: Id(4)] long InputTokens,
    [property: Id(5)] long OutputTokens,
    [property: Id(6)] Price Price,
    [property: Id(7)] string? FundedBy,
    [property: Id(8)] string Outcome,
    [property: Id(9)] bool Streamed,
    [property: Id(10)] int? LatencyMs,
    [property: Id(11)] DateTimeOffset? AuthorizedAt,
    [property: Id(12)] bool Estimated = false,
    [property: Id(13)] TokenDetails? Details = null);

/// <param name="Cost">What the request cost at its price.</param>
/// <param name="TrialUsed">The part of the cost the trial covered.</param>
/// <param name="Charged">What the paid balance lost.</param>
/// <param name="Uncollected">What the overdraft policy did not allow to charge.</param>
/// <param name="Details">The parts of the tokens priced apart, as charged (absent: none).</param>
/// <param name="Repeated">This answers a settle already applied (a retry): it changed nothing, and its amounts were counted the first time.</param>
[GenerateSerializer, Immutable]
public sealed record RequestSettled(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string Model,
    [property: Id(2)] long InputTokens,
    [property: Id(3)] long OutputTokens,
    [property: Id(4)] Price Price,
    [property: Id(5)] long Cost,
    [property: Id(6)] long TrialUsed,
    [property: Id(7)] long Charged,
    [property: Id(8)] long Uncollected,
    [property: Id(9)] long BalanceAfter,
    [property: Id(10)] bool Repeated = false,
    [property: Id(11), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] TokenDetails? Details = null);

public static class Funding
{
    public const string Credit = "credit";
    public const string Trial = "trial";
}
