using System.Collections.Concurrent;
using Tollgate.Grains;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Models;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// The gateway's copies of models (price schedule, route, limits), each read from its grain when first asked for and
/// again every <see cref="MeteringOptions.SettingsRefresh"/> while asked for (<see cref="RefreshedValue{T}"/>: a change
/// is seen within two of them). A model without limits holds nothing per request, so the gateway admits by its copy
/// (<see cref="ModelTerms.AdmitWithoutLimits"/>) and the grain is not called; a model with limits is asked every time.
/// Bounded: past <see cref="MaxModels"/> the names no operator configured are dropped, and a model not kept is asked.
/// </summary>
internal sealed class ModelCatalog(IGrainFactory grains, MeteringOptions options, TimeProvider time, ILogger<ModelCatalog> logger)
{
    public const int MaxModels = 10_000;
    private readonly ConcurrentDictionary<string, RefreshedValue<ModelSnapshot?>> _models = new(StringComparer.Ordinal);

    /// <summary>The model as last read, if it has no limits (the gateway admits by it); null: ask its grain.</summary>
    public async ValueTask<ModelSnapshot?> WithoutLimitsAsync(string model)
    {
        if (!_models.TryGetValue(model, out var copy))
        {
            if (_models.Count >= MaxModels) SweepUnconfigured();
            if (_models.Count >= MaxModels) return null;
            copy = _models.GetOrAdd(model, name => new RefreshedValue<ModelSnapshot?>(_ => ReadAsync(name), null, options.SettingsRefresh, time,
                ex => logger.LogWarning("Reading model {Model} failed ({Error}); its grain is asked until a read succeeds", name, ex.Message)));
        }
        // Null until a read succeeds: then the grain's own answer decides.
        return await copy.GetAsync() is { } snapshot && snapshot.Limits == LimitSettings.None ? snapshot : null;
    }

    /// <summary>The model changed through this gateway: its next authorize reads it again.</summary>
    public void Expire(string model)
    {
        if (_models.TryGetValue(model, out var copy)) copy.Expire();
    }

    private async Task<ModelSnapshot?> ReadAsync(string model) => await grains.Model(model).Get();

    private void SweepUnconfigured()
    {
        foreach (var (name, copy) in _models)
        {
            if (copy.Peek() is not { Configured: true }) _models.TryRemove(name, out _);
        }
    }
}
