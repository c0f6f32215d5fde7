using System.Text.Json.Serialization;
using Tollgate.Runtime;
using Tollgate.Runtime.Hosting;
using Tollgate.Runtime.Persistence;

namespace Tollgate.Grains.Models;

/// <summary>One model: its price schedule, persisted as generic versioned grain state.</summary>
internal sealed class ModelGrain : Grain, IHandle<SetModelPrice, ModelSnapshot>, IHandle<GetModel, ModelSnapshot>
{
    private PriceSchedule _schedule = new([]);
    private long _version;

    protected override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (state, version) = await GrainStateStore.LoadAsync(Database, Id, ModelStateJson.Default.ModelState);
        _schedule = new PriceSchedule(state?.Prices ?? []);
        _version = version;
    }

    public Task<ModelSnapshot> Handle(SetModelPrice request)
    {
        if (request.InputPerMillion is < 0 or > ModelLimits.MaxPricePerMillion || request.OutputPerMillion is < 0 or > ModelLimits.MaxPricePerMillion)
            throw new GrainException(ModelErrors.InvalidPrice, $"Prices must be between 0 and {ModelLimits.MaxPricePerMillion} nano-USD per million tokens.");
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        var now = Time.GetUtcNow();
        var effectiveAt = request.EffectiveAt ?? now;
        if (effectiveAt < now - ModelLimits.PastTolerance)
            throw new GrainException(ModelErrors.EffectiveInPast, "A price cannot take effect in the past: requests already charged keep the price they were authorized at.");
        if (_schedule.Prices.Count >= ModelLimits.MaxScheduledPrices)
            throw new GrainException(ModelErrors.TooManyPrices, $"A model keeps at most {ModelLimits.MaxScheduledPrices} prices.");

        _schedule.Add(new ModelPrice(request.InputPerMillion, request.OutputPerMillion, effectiveAt, request.Actor));
        _ = Write(GrainStateStore.Write(Id, new ModelState([.. _schedule.Prices]), _version++, ModelStateJson.Default.ModelState));
        return Task.FromResult(Snapshot());
    }

    public Task<ModelSnapshot> Handle(GetModel request) => Task.FromResult(Snapshot());

    private ModelSnapshot Snapshot() => new(Id.Key, _schedule.At(Time.GetUtcNow()), [.. _schedule.Prices]);
}

internal sealed record ModelState(List<ModelPrice> Prices);

[JsonSerializable(typeof(ModelState))]
internal sealed partial class ModelStateJson : JsonSerializerContext;
