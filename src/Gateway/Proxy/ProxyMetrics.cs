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
    public const string UnsettledName = "tollgate.proxy.unsettled_requests";

    private static readonly Counter<long> EstimatedRequests = GatewayMetrics.Meter.CreateCounter<long>(EstimatedName, "{request}",
        "Requests charged by the proxy's own token count: the provider reported no usage");
    private static readonly Counter<long> UnsettledRequests = GatewayMetrics.Meter.CreateCounter<long>(UnsettledName, "{request}",
        "Requests whose settle failed after every retry: not charged");

    public void Estimated(string provider, string model) =>
        EstimatedRequests.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("model", model));

    public void Unsettled(string provider) => UnsettledRequests.Add(1, new KeyValuePair<string, object?>("provider", provider));
}
