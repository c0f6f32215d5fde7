using System.Diagnostics.Metrics;
using Tollgate.Gateway.Metering;

namespace Tollgate.Tests.Infrastructure;

/// <summary>Listens to the <c>tollgate.unpriced_model_requests</c> metric and keeps the model tag of each measurement.</summary>
public sealed class UnpricedModelCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<string?> _models = [];

    public UnpricedModelCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == UnpricedModels.MeterName && instrument.Name == UnpricedModels.CounterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "model") lock (_models) _models.Add(tag.Value as string);
            }
        });
        _listener.Start();
    }

    public int Count(string model)
    {
        lock (_models) return _models.Count(m => m == model);
    }

    public IReadOnlyList<string?> Models()
    {
        lock (_models) return [.. _models];
    }

    public void Dispose() => _listener.Dispose();
}
