using System.Diagnostics.Metrics;
using Tollgate.Gateway.Metering;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// The proxy's own counters. Tags are the provider and model of a route: names an operator configured, so
/// their number is bounded (unlike model names callers send).
/// </summary>
public sealed class ProxyMetrics
{
    public const string EstimatedName = "tollgate.proxy.estimated_usage";
    public const string CappedName = "tollgate.proxy.capped_usage";
    public const string RefusedKeysName = "tollgate.proxy.refused_keys";
    public const string HoldRenewalsName = "tollgate.proxy.hold_renewals";

    public const string Renewed = "renewed";
    public const string Ended = "ended";
    public const string Failed = "failed";

    private static readonly Counter<long> EstimatedRequests = GatewayMetrics.Meter.CreateCounter<long>(EstimatedName, "{request}",
        "Requests charged by the proxy's own token count: the provider reported no usage");
    private static readonly Counter<long> HoldRenewals = GatewayMetrics.Meter.CreateCounter<long>(HoldRenewalsName, "{renewal}",
        "Renewals of running requests' holds, by outcome: renewed, ended (the account no longer held it), failed");

    private static readonly Counter<long> RefusedKeys = GatewayMetrics.Meter.CreateCounter<long>(RefusedKeysName, "{request}",
        "Requests refused for their API key (missing, malformed, unknown or revoked) before their body was read; they leave no usage row");

    public void RefusedKey(string reason) => RefusedKeys.Add(1, new KeyValuePair<string, object?>("reason", reason));

    private static readonly Counter<long> CappedRequests = GatewayMetrics.Meter.CreateCounter<long>(CappedName, "{request}",
        "Requests whose provider reported more tokens than a settle takes (100M input or output): charged capped, marked estimated");

    public void CappedUsage(string provider, string model) =>
        CappedRequests.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("model", model));

    public void Estimated(string provider, string model) =>
        EstimatedRequests.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("model", model));

    public void HoldRenewed(string outcome) => HoldRenewals.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
