using Orleans.Runtime.Messaging;
using Orleans.Runtime;
using Tollgate.Grains;

namespace Tollgate.Gateway.Cluster;

/// <summary>Which failures of a grain call are the cluster's (not the request's), and so worth a retry.</summary>
internal static class ClusterFailures
{
    /// <summary>The stable code of a failure that a retry may cure, or null for any other failure.</summary>
    public static string? CodeOf(Exception exception) => exception switch
    {
        TollgateException refused => refused.IsTransient ? refused.Code : null,
        TimeoutException => ErrorCodes.Timeout, // the response timeout: the effect is unknown, and every message is idempotent by its id
        SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException => ErrorCodes.Unavailable,
        OrleansException { InnerException: { } inner } => CodeOf(inner),
        _ => null,
    };
}
