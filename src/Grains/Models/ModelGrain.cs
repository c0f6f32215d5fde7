using Orleans.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Grains.Models;

/// <summary>
/// One model: its price schedule and its global rate limits (an upstream provider's quota, shared
/// by every caller). An authorize captures the price in force at that moment; the request is charged
/// that price whenever it settles.
/// </summary>
[GrainType("model")]
internal sealed class ModelGrain(
    [PersistentState(GrainStorage.ModelState, GrainStorage.Name)] IPersistentState<ModelState> state,
    [FromKeyedServices(TollgateClock.Key)] TimeProvider time) : LimitedGrain("model", time), IModelGrain
{
    private PriceSchedule _schedule = new([]);

    private string Model => this.GetPrimaryKeyString();

    protected override Task LoadAsync(CancellationToken cancellationToken)
    {
        _schedule = new PriceSchedule(state.State.Prices);
        Limits.Configure(state.State.Limits ?? LimitSettings.None);
        return Task.CompletedTask;
    }

    public async Task<ModelSnapshot> SetPrice(SetModelPrice request)
    {
        var price = request.Price;
        if (price.Problem() is { } problem) throw new TollgateException(ModelErrors.InvalidPrice, problem);
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        var now = Time.GetUtcNow();
        var effectiveAt = request.EffectiveAt ?? now;
        if (effectiveAt < now - ModelLimits.PastTolerance)
            throw new TollgateException(ModelErrors.EffectiveInPast, "A price cannot take effect in the past: requests already charged keep the price they were authorized at.");
        if (_schedule.Prices.Count >= ModelLimits.MaxScheduledPrices)
            throw new TollgateException(ModelErrors.TooManyPrices, $"A model keeps at most {ModelLimits.MaxScheduledPrices} prices.");

        _schedule.Add(new ModelPrice(price.InputPerMillion, price.OutputPerMillion, effectiveAt, request.Actor, price.Extras));
        await WriteAsync(state);
        return Snapshot();
    }

    public async Task<ModelSnapshot> SetRoute(SetModelRoute request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (request.Route is { } route)
        {
            Validate.Text(route.Provider, nameof(route.Provider), ModelLimits.MaxProviderLength);
            Validate.Text(route.UpstreamModel, nameof(route.UpstreamModel), ModelLimits.MaxUpstreamModelLength);
        }
        state.State.Route = request.Route;
        await WriteAsync(state);
        return Snapshot();
    }

    public Task<ModelSnapshot> Get() => Task.FromResult(Snapshot());

    public Task<ModelAdmission> Authorize(AuthorizeModel request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Tokens(request.Tokens, nameof(request.Tokens));
        Validate.Ttl(request.TtlSeconds);
        var now = Time.GetUtcNow();
        var current = _schedule.At(now);
        if (ModelTerms.Refusal(Model, state.RecordExists, state.State.Route, current, request) is { } refusal) return Task.FromResult(refusal);
        var price = current?.Price ?? request.DefaultPrice;
        var admission = Answered(Acquire(request.RequestId, request.Tokens, request.TtlSeconds, now.ToUnixTimeMilliseconds()));
        return Task.FromResult(new ModelAdmission(admission, admission.Allowed ? price : null, Unpriced: current is null, state.State.Route, state.RecordExists));
    }

    protected override LimitSettings? OwnLimits => state.State.Limits ?? LimitSettings.None;

    protected override bool HoldsNothing => !state.RecordExists; // no price and no limits stored: a model name a caller made up

    protected override Task StoreLimitsAsync(LimitSettings limits, string actor)
    {
        state.State.Limits = limits;
        return WriteAsync(state);
    }

    private ModelSnapshot Snapshot() => new(Model, _schedule.At(Time.GetUtcNow()), [.. _schedule.Prices], OwnLimits!, state.State.Route, state.RecordExists);
}

/// <summary>A model as stored (JSON, see <see cref="GrainStateSerializer"/>): the price schedule, oldest first, the limits and the route.</summary>
internal sealed class ModelState
{
    public List<ModelPrice> Prices { get; set; } = [];
    public LimitSettings? Limits { get; set; }
    public ModelRoute? Route { get; set; }
}
