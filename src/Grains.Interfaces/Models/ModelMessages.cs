
using System.Text.Json.Serialization;
using Tollgate.Grains.Metering;

namespace Tollgate.Grains.Models;

// Messages of the model grain (one per model name). Prices are nano-USD per 1,000,000 tokens.

/// <summary>
/// Adds a price taking effect at <see cref="EffectiveAt"/> (now when null). History is immutable: a
/// price cannot take effect in the past; a later price for the same instant replaces a scheduled one.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SetModelPrice(
    [property: Id(0)] long InputPerMillion, [property: Id(1)] long OutputPerMillion, [property: Id(2)] DateTimeOffset? EffectiveAt, [property: Id(3)] string Actor,
    [property: Id(4)] PriceExtras? Extras = null)
{
    public Price Price => new(InputPerMillion, OutputPerMillion, Extras?.OrNull());
}

/// <summary>A price of the schedule: <see cref="Extras"/> are the components priced apart from input and output (absent: none).</summary>
[GenerateSerializer]
public sealed record ModelPrice(
    [property: Id(0)] long InputPerMillion, [property: Id(1)] long OutputPerMillion, [property: Id(2)] DateTimeOffset EffectiveAt, [property: Id(3)] string Actor,
    [property: Id(4), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PriceExtras? Extras = null)
{
    [JsonIgnore]
    public Price Price => new(InputPerMillion, OutputPerMillion, Extras);
}

/// <summary>
/// Where the proxy sends a model's requests: the provider (by the name the gateways' configuration
/// gives it) and the model's name at that provider.
/// </summary>
[GenerateSerializer]
public sealed record ModelRoute([property: Id(0)] string Provider, [property: Id(1)] string UpstreamModel);

/// <summary>Sets (or with a null <see cref="Route"/> removes) the model's route.</summary>
[GenerateSerializer, Immutable]
public sealed record SetModelRoute([property: Id(0)] ModelRoute? Route, [property: Id(1)] string Actor);

/// <summary>
/// <see cref="Current"/> is the price in force now (null: unpriced); <see cref="Prices"/> the whole schedule, oldest first;
/// <see cref="Route"/> null when the proxy does not serve the model; <see cref="Configured"/>: an operator set a price,
/// route or limits (else the name may be one a caller made up).
/// </summary>
[GenerateSerializer]
public sealed record ModelSnapshot(
    [property: Id(0)] string Model, [property: Id(1)] ModelPrice? Current, [property: Id(2)] IReadOnlyList<ModelPrice> Prices, [property: Id(3)] Limits.LimitSettings Limits,
    [property: Id(4)] ModelRoute? Route, [property: Id(5), JsonIgnore] bool Configured = false);

public static class ModelLimits
{
    /// <summary>Clock skew tolerated for "now" when a price is set with an explicit time.</summary>
    public static readonly TimeSpan PastTolerance = TimeSpan.FromMinutes(1);

    public const int MaxScheduledPrices = 1_000;

    public const int MaxProviderLength = 64;
    public const int MaxUpstreamModelLength = 200;
}

public static class ModelErrors
{
    public const string InvalidPrice = "invalid_price";
    public const string EffectiveInPast = "effective_in_past";
    public const string TooManyPrices = "too_many_prices";
    public const string InvalidRoute = "invalid_route";
}
