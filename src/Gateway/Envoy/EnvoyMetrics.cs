using System.Diagnostics.Metrics;
using Tollgate.Gateway.Metering;

namespace Tollgate.Gateway.Envoy;

/// <summary>The rate-limit service's instruments, on the gateway's meter. Tags are bounded: an outcome, and Tollgate's denial reasons.</summary>
internal static class EnvoyMetrics
{
    public const string AnswersName = "tollgate.envoy.answers";
    public const string UnmappedName = "tollgate.envoy.unmapped_descriptors";

    public const string Ok = "ok";
    public const string OverLimit = "over_limit";
    public const string Invalid = "invalid";
    public const string Unauthenticated = "unauthenticated";
    public const string Unavailable = "unavailable";
    public const string DegradedOk = "degraded_ok";
    public const string DegradedOverLimit = "degraded_over_limit";

    private static readonly Counter<long> Answers = GatewayMetrics.Meter.CreateCounter<long>(AnswersName, "{request}",
        "ShouldRateLimit calls answered, by outcome (ok, over_limit, invalid, unauthenticated, unavailable, degraded_ok, degraded_over_limit) and, over the limit, the reason");

    private static readonly Counter<long> Unmapped = GatewayMetrics.Meter.CreateCounter<long>(UnmappedName, "{descriptor}",
        "Descriptors answered OK because their domain maps no scope for them (Envoy:Domains), by domain");

    // Reasons are Tollgate's codes, a fixed set; anything else is counted as "other".
    private static readonly HashSet<string> Reasons =
    [
        Grains.Limits.Denials.RateLimited, Grains.Limits.Denials.InvalidApiKey, Grains.Limits.Denials.KeyRevoked, Grains.Limits.Denials.ModelNotAllowed,
        Grains.Limits.Denials.AccountNotFound, Grains.Limits.Denials.AccountSuspended, "invalid_ip", "invalid_model", "invalid_account_id",
    ];

    public static void Answered(string outcome, string? reason = null)
    {
        var outcomeTag = new KeyValuePair<string, object?>("outcome", outcome);
        if (reason is null) Answers.Add(1, outcomeTag);
        else Answers.Add(1, outcomeTag, new KeyValuePair<string, object?>("reason", Reasons.Contains(reason) ? reason : "other"));
    }

    /// <summary>Descriptors of a configured domain: its name is the operator's, so it is a bounded tag.</summary>
    public static void UnmappedDescriptors(string domain, int count)
    {
        if (count > 0) Unmapped.Add(count, new KeyValuePair<string, object?>("domain", domain));
    }
}
