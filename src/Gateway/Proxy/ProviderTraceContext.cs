using System.Diagnostics;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// The trace context the proxy's HttpClient sends a provider. The gateway's request continues the caller's
/// <c>traceparent</c> (and baggage), so passing it on would tell a third party the caller's trace ids: by default
/// nothing goes, and <c>Proxy:ForwardTraceContext</c> restores propagation (read per request, like the rest of the
/// section). A gateway that traces nothing has no activity of its own to continue the caller's trace with
/// (<c>TollgateTelemetry.LogRequestsOnlyWhenConfigured</c>), so the opt-in passes the caller's headers on as they came.
/// </summary>
internal sealed class ProviderTraceContext(ProxySettings settings) : DistributedContextPropagator
{
    // Every header the runtime's and OpenTelemetry's propagators write (W3C, legacy Request-Id, baggage).
    private static readonly string[] TraceHeaders = ["traceparent", "tracestate", "baggage", "Request-Id", "Correlation-Context"];

    public override IReadOnlyCollection<string> Fields => Current.Fields;

    /// <summary>Copies the caller's trace headers to the provider's request when the operator opted in and no activity would.</summary>
    public static void ForwardUntraced(HttpRequest caller, HttpRequestMessage provider, ProxyOptions options)
    {
        if (!options.ForwardTraceContext || Activity.Current is not null) return;
        foreach (var header in TraceHeaders)
        {
            if (caller.Headers.TryGetValue(header, out var values) && values.Count > 0) provider.Headers.TryAddWithoutValidation(header, (IEnumerable<string?>)values);
        }
    }

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (settings.Options.ForwardTraceContext)
        {
            Current.Inject(activity, carrier, setter);
            return;
        }
        // OpenTelemetry's HttpClient instrumentation (on when tracing) has already injected with its own propagator.
        if (carrier is HttpRequestMessage request)
        {
            foreach (var header in TraceHeaders.Union(Current.Fields, StringComparer.OrdinalIgnoreCase)) request.Headers.Remove(header);
        }
    }

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState) =>
        Current.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) =>
        Current.ExtractBaggage(carrier, getter);
}
