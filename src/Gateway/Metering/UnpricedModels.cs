using System.Diagnostics.Metrics;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// Requests for a model without a price: never a silent zero. Each is counted in
/// <c>tollgate.unpriced_model_requests</c> (tagged with the model) and logged as a warning, at
/// most once a minute per model so a busy unpriced model cannot flood the log. Model names come from
/// callers: past <see cref="MaxTaggedModels"/> distinct names the tag is <see cref="OtherModels"/>, so
/// made-up names cannot grow a metrics backend's series without bound.
/// </summary>
public sealed class UnpricedModels(ILogger<UnpricedModels> logger, TimeProvider time)
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _lastLogged = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _tagged = new(StringComparer.Ordinal);

    public const int MaxTaggedModels = 100;
    public const string OtherModels = "(other)";

    public const string MeterName = GatewayMetrics.MeterName;
    public const string CounterName = "tollgate.unpriced_model_requests";

    private static readonly Counter<long> Requests = GatewayMetrics.Meter.CreateCounter<long>(CounterName, "{request}", "Requests for a model with no price");

    public void Record(string model, bool charged)
    {
        Requests.Add(1, new KeyValuePair<string, object?>("model", TagFor(model)));
        var now = time.GetTimestamp();
        if (_lastLogged.TryGetValue(model, out var last) && time.GetElapsedTime(last, now) < LogInterval) return;
        if (_lastLogged.Count > 10_000) _lastLogged.Clear(); // bounded: model names come from callers
        _lastLogged[model] = now;
        if (charged) logger.LogWarning("Model {Model} has no price: the request is charged the default price (Metering:DefaultPrice)", model);
        else logger.LogWarning("Model {Model} has no price: the request was refused (set a price, or Metering:DefaultPrice)", model);
    }

    private string TagFor(string model)
    {
        if (_tagged.ContainsKey(model)) return model;
        if (_tagged.Count >= MaxTaggedModels) return OtherModels;
        _tagged.TryAdd(model, 0); // concurrent first sightings may pass the bound by the calls in flight, no more
        return model;
    }
}
