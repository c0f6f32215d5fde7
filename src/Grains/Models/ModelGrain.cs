using System.Text.Json.Serialization;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Runtime;
using Tollgate.Runtime.Hosting;
using Tollgate.Runtime.Persistence;

namespace Tollgate.Grains.Models;

/// <summary>
/// One model: its price schedule and its global rate limits (an upstream provider's quota, shared
/// by every caller), persisted as generic versioned grain state. An authorize captures the price
/// in force at that moment; the request is charged that price whenever it settles.
/// </summary>
internal sealed class ModelGrain() : LimitedGrain("model"),
    IHandle<SetModelPrice, ModelSnapshot>, IHandle<GetModel, ModelSnapshot>, IHandle<AuthorizeModel, ModelAdmission>
{
    private PriceSchedule _schedule = new([]);
    private LimitSettings _settings = LimitSettings.None;
    private long _version;

    protected override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (state, version) = await GrainStateStore.LoadAsync(Database, Id, ModelStateJson.Default.ModelState);
        _schedule = new PriceSchedule(state?.Prices ?? []);
        _settings = state?.Limits ?? LimitSettings.None;
        Limits.Configure(_settings);
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
        Persist();
        return Task.FromResult(Snapshot());
    }

    public Task<ModelSnapshot> Handle(GetModel request) => Task.FromResult(Snapshot());

    public Task<ModelAdmission> Handle(AuthorizeModel request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Tokens(request.Tokens, nameof(request.Tokens));
        Validate.Ttl(request.TtlSeconds);
        var now = Time.GetUtcNow();
        var current = _schedule.At(now);
        var price = current is null ? request.DefaultPrice : new Price(current.InputPerMillion, current.OutputPerMillion);
        if (price is null)
        {
            var denial = new Denial(Denials.ModelUnknown, $"Model '{Id.Key}' has no price; set one with POST /admin/models/{{model}}/prices.");
            return Task.FromResult(new ModelAdmission(new Admission(false, denial, []), null, Unpriced: true));
        }
        var admission = Acquire(request.RequestId, request.Tokens, request.TtlSeconds, now.ToUnixTimeMilliseconds());
        return Task.FromResult(new ModelAdmission(admission, admission.Allowed ? price : null, Unpriced: current is null));
    }

    protected override LimitSettings? OwnLimits => _settings;

    protected override bool HoldsNothing => _version == 0; // no price and no limits stored: a model name a caller made up

    protected override void StoreLimits(LimitSettings limits, string actor)
    {
        _settings = limits;
        Persist();
    }

    private void Persist() =>
        _ = Write(GrainStateStore.Write(Id, new ModelState([.. _schedule.Prices]) { Limits = _settings }, _version++, ModelStateJson.Default.ModelState));

    private ModelSnapshot Snapshot() => new(Id.Key, _schedule.At(Time.GetUtcNow()), [.. _schedule.Prices], _settings);
}

internal sealed record ModelState(List<ModelPrice> Prices)
{
    public LimitSettings? Limits { get; init; }
}

[JsonSerializable(typeof(ModelState))]
internal sealed partial class ModelStateJson : JsonSerializerContext;
