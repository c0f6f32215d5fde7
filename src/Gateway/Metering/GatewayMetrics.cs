using System.Diagnostics;
using System.Diagnostics.Metrics;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// The gateway's meter, <c>Tollgate.Gateway</c>, and its metering instruments (the proxy's, the unpriced models'
/// and the denial log's are beside their code, on this meter). Tags are bounded: outcomes and Tollgate's denial
/// reasons, never an account, key, caller IP or caller-sent name. Money is counted in nano-USD, as the API
/// states it (1 USD = 10^9).
/// </summary>
public static class GatewayMetrics
{
    public const string MeterName = "Tollgate.Gateway";
    public const string AuthorizesName = "tollgate.authorizes";
    public const string AuthorizeDurationName = "tollgate.authorize.duration";
    public const string SettleDurationName = "tollgate.settle.duration";
    public const string ChargedName = "tollgate.charged";
    public const string UncollectedName = "tollgate.uncollected";
    public const string TrialUsedName = "tollgate.trial_used";
    public const string VoidFailuresName = "tollgate.void_failures";

    public const string Allowed = "allowed";
    public const string Denied = "denied";
    public const string Error = "error";
    public const string Settled = "settled";

    internal static readonly Meter Meter = new(MeterName);

    // Latencies of calls across the cluster: from a fraction of a millisecond to the retries' seconds.
    private static readonly InstrumentAdvice<double> LatencyBuckets = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private static readonly Counter<long> Authorizes = Meter.CreateCounter<long>(AuthorizesName, "{request}",
        "Authorizes answered, by outcome (allowed, denied, error) and denial reason");
    private static readonly Histogram<double> AuthorizeDuration = Meter.CreateHistogram(AuthorizeDurationName, "s",
        "How long an authorize took across the grains, by outcome", advice: LatencyBuckets);
    private static readonly Histogram<double> SettleDuration = Meter.CreateHistogram(SettleDurationName, "s",
        "How long a settle took (the account's commit included), by outcome (settled, error)", advice: LatencyBuckets);
    private static readonly Counter<long> Charged = Meter.CreateCounter<long>(ChargedName, "{nano-USD}",
        "Charged to paid balances by settles and recorded usage, in nano-USD");
    private static readonly Counter<long> Uncollected = Meter.CreateCounter<long>(UncollectedName, "{nano-USD}",
        "Cost the overdraft policy did not allow to charge, in nano-USD");
    private static readonly Counter<long> TrialUsed = Meter.CreateCounter<long>(TrialUsedName, "{nano-USD}",
        "Cost covered by trials, in nano-USD");
    private static readonly Counter<long> VoidFailures = Meter.CreateCounter<long>(VoidFailuresName, "{request}",
        "Voids the gateway made on its own (after a failed authorize, or a request it could not forward) that failed: the hold ends with its TTL");

    // Reasons come from Tollgate's grains, a fixed set; anything else (a newer silo's) is counted as "other".
    private static readonly HashSet<string> Reasons =
    [
        Denials.RateLimited, Denials.InsufficientCredit, Denials.TrialExhausted, Denials.ModelUnknown, Denials.ModelNotRouted,
        Denials.KeyRevoked, Denials.InvalidApiKey, Denials.ModelNotAllowed, Denials.AccountSuspended, Denials.AccountNotFound, Denials.AlreadySettled,
    ];

    internal static void Authorized(AuthorizeResponse response, long startedAt)
    {
        var outcome = response.Allowed ? Allowed : Denied;
        var elapsed = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;
        var outcomeTag = new KeyValuePair<string, object?>("outcome", outcome);
        if (response.Allowed) Authorizes.Add(1, outcomeTag);
        else Authorizes.Add(1, outcomeTag, new KeyValuePair<string, object?>("reason", ReasonTag(response.Reason)));
        AuthorizeDuration.Record(elapsed, outcomeTag);
    }

    internal static void AuthorizeFailed(long startedAt)
    {
        var outcomeTag = new KeyValuePair<string, object?>("outcome", Error);
        Authorizes.Add(1, outcomeTag);
        AuthorizeDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, outcomeTag);
    }

    /// <summary>A void the gateway made on its own failed; <paramref name="at"/>: <c>authorize</c> or <c>proxy</c>.</summary>
    internal static void VoidFailed(string at) => VoidFailures.Add(1, new KeyValuePair<string, object?>("at", at));

    internal static void SettleTook(long startedAt, bool settled) =>
        SettleDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, new KeyValuePair<string, object?>("outcome", settled ? Settled : Error));

    /// <summary>
    /// The amounts of a settle's answer, counted when they were applied: a repeated settle (a retry, a journal entry
    /// applied twice) is answered with the first result and not counted again.
    /// </summary>
    internal static void Amounts(RequestSettled settled)
    {
        if (settled.Repeated) return;
        if (settled.Charged != 0) Charged.Add(settled.Charged);
        if (settled.Uncollected != 0) Uncollected.Add(settled.Uncollected);
        if (settled.TrialUsed != 0) TrialUsed.Add(settled.TrialUsed);
    }

    private static string ReasonTag(string? reason) => reason is not null && Reasons.Contains(reason) ? reason : "other";
}
