using System.Diagnostics.Metrics;
using Tollgate.Gateway.Metering;

namespace Tollgate.Tests.Infrastructure;

/// <summary>Listens to one counter (the gateway's, or another meter's) and keeps the tags of each measurement.</summary>
public sealed class MeasurementCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<KeyValuePair<string, object?>[]> _measurements = [];

    public MeasurementCounter(string instrumentName, string meterName = UnpricedModels.MeterName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName && instrument.Name == instrumentName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (_measurements)
            {
                for (var i = 0; i < value; i++) _measurements.Add(tags.ToArray());
            }
        });
        _listener.Start();
    }

    /// <summary>How many were counted with all of these tags.</summary>
    public int Count(params (string Key, string Value)[] tags)
    {
        lock (_measurements)
            return _measurements.Count(measurement => tags.All(tag => measurement.Any(t => t.Key == tag.Key && Equals(t.Value, tag.Value))));
    }

    public void Dispose() => _listener.Dispose();
}
