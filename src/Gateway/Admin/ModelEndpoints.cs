using System.ComponentModel;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Metering;
using Tollgate.Grains;
using Tollgate.Grains.Metering;
using Tollgate.Grains.Models;

namespace Tollgate.Gateway.Admin;

public sealed record RoutedModelList(IReadOnlyList<RoutedModel> Models);

/// <summary>Admin API for models: read a model's price schedule, add a price (nano-USD per 1,000,000 tokens), route it to a provider.</summary>
public static class ModelEndpoints
{
    public static void MapModelAdmin(this IEndpointRouteBuilder admin)
    {
        var models = admin.MapGroup("").Documented(ApiDocs.AdminTag).Secured(ApiDocs.AdminToken);
        models.MapGet("/models/{model}", GetAsync)
            .WithSummary("Get a model")
            .WithDescription("Its price schedule (the current price and later ones), limits and route. A '/' in the name may be sent as %2F.")
            .Produces<ModelSnapshot>()
            .Errors(StatusCodes.Status400BadRequest).ClusterErrors();
        models.MapPost("/models/{model}/prices", SetPriceAsync)
            .WithSummary("Add a price to a model's schedule")
            .WithDescription("Nano-USD per 1,000,000 tokens of each kind (input and output; cached input, cache writes, reasoning and audio fall back to them), "
                + "plus an optional fee per request, in force from effective_at (now by default; not in the past).")
            .Body<ModelPriceBody>()
            .Produces<ModelSnapshot>()
            .Errors(StatusCodes.Status409Conflict).ClusterErrors();
        models.MapPut("/models/{model}/route", SetRouteAsync)
            .WithSummary("Route a model to a provider")
            .WithDescription("The provider must be one of this gateway's Proxy:Providers (the fleet shares its configuration), so a typo is a 400 invalid_route.")
            .Body<ModelRouteBody>()
            .Produces<ModelSnapshot>()
            .ClusterErrors();
        models.MapDelete("/models/{model}/route", RemoveRouteAsync)
            .WithSummary("Remove a model's route")
            .WithDescription("The proxy then answers 404 model_not_found for it; the metering API is not affected.")
            .Produces<ModelSnapshot>()
            .Errors(StatusCodes.Status400BadRequest).ClusterErrors();
        models.MapGet("/models", ListRoutedAsync)
            .WithSummary("List routed models")
            .WithDescription("Every model with a route, priced or not, as PostgreSQL has committed them.")
            .Produces<RoutedModelList>()
            .Errors(StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>
    /// Routes the model to a provider of the proxy's configuration, under the provider's name for it. The
    /// provider must be one this gateway knows (the fleet shares its configuration), so a typo is refused here.
    /// </summary>
    private static async Task<IResult> SetRouteAsync(string model, ModelRouteBody body, IGrainFactory grains, Proxy.ProxySettings proxy, ModelCatalog catalog)
    {
        var (name, provider) = (Ids.Model(model), body.Provider);
        if (!proxy.Options.Providers.ContainsKey(provider))
            throw new ApiException(StatusCodes.Status400BadRequest, ModelErrors.InvalidRoute,
                $"No provider '{provider}' in this gateway's Proxy:Providers (it has: {string.Join(", ", proxy.Options.Providers.Keys.Order())}).", "provider");
        var routed = await grains.Model(name).SetRoute(new SetModelRoute(new ModelRoute(provider, body.UpstreamModel ?? name), body.Actor ?? "admin"));
        catalog.Expire(name);
        return Results.Ok(routed);
    }

    private static async Task<IResult> RemoveRouteAsync(string model, IGrainFactory grains, ModelCatalog catalog)
    {
        var unrouted = await grains.Model(Ids.Model(model)).SetRoute(new SetModelRoute(null, "admin"));
        catalog.Expire(unrouted.Model);
        return Results.Ok(unrouted);
    }

    /// <summary>Every model the proxy serves (routed), priced or not.</summary>
    private static async Task<IResult> ListRoutedAsync(AdminListings listings) =>
        Results.Ok(new RoutedModelList(await listings.RoutedModelsAsync(pricedOnly: false)));

    private static async Task<IResult> GetAsync(string model, HttpRequest request, IGrainFactory grains) =>
        Results.Ok(await grains.Model(Ids.Model(model)).Get());

    private static async Task<IResult> SetPriceAsync(string model, ModelPriceBody body, IGrainFactory grains, ModelCatalog catalog)
    {
        var name = Ids.Model(model);
        var extras = new PriceExtras(body.CachedInputPerMillion, body.CacheWrite5mPerMillion, body.CacheWrite1hPerMillion, body.ReasoningPerMillion,
            body.AudioInputPerMillion, body.AudioOutputPerMillion, body.PerRequest);
        var snapshot = await grains.Model(name).SetPrice(new SetModelPrice(body.InputPerMillion, body.OutputPerMillion, body.EffectiveAt, body.Actor ?? "admin", extras.OrNull()));
        catalog.Expire(name);
        return Results.Ok(snapshot);
    }
}

// Request bodies: each binds its handler's parameter (JsonBody reads the fields below, in this order, and refuses any other) and
// describes it in the OpenAPI document.

public sealed record ModelPriceBody : ApiDocs.IStrictJsonBody
{
    [Description("Nano-USD per 1,000,000 input tokens.")]
    public required long InputPerMillion { get; init; }

    [Description("Nano-USD per 1,000,000 output tokens.")]
    public required long OutputPerMillion { get; init; }

    [Description("Nano-USD per 1,000,000 input tokens read from the provider's prompt cache; input_per_million when not given.")]
    public long? CachedInputPerMillion { get; init; }

    [Description("Nano-USD per 1,000,000 input tokens written to a 5-minute prompt cache; input_per_million when not given.")]
    public long? CacheWrite5mPerMillion { get; init; }

    [Description("Nano-USD per 1,000,000 input tokens written to a 1-hour prompt cache; cache_write_5m_per_million when not given.")]
    public long? CacheWrite1hPerMillion { get; init; }

    [Description("Nano-USD per 1,000,000 reasoning tokens (a part of the output); output_per_million when not given.")]
    public long? ReasoningPerMillion { get; init; }

    [Description("Nano-USD per 1,000,000 audio input tokens; input_per_million when not given.")]
    public long? AudioInputPerMillion { get; init; }

    [Description("Nano-USD per 1,000,000 audio output tokens; output_per_million when not given.")]
    public long? AudioOutputPerMillion { get; init; }

    [Description("Nano-USD charged per request, on top of its tokens (at most 100 USD); 0 when not given.")]
    public long? PerRequest { get; init; }

    [Description("When the price takes effect (RFC 3339); now by default.")]
    public DateTimeOffset? EffectiveAt { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    public static ValueTask<ModelPriceBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new ModelPriceBody
    {
        InputPerMillion = body.RequiredAmount("input_per_million", Price.MaxPerMillion, allowNegative: false),
        OutputPerMillion = body.RequiredAmount("output_per_million", Price.MaxPerMillion, allowNegative: false),
        CachedInputPerMillion = PerMillion(body, "cached_input_per_million"),
        CacheWrite5mPerMillion = PerMillion(body, "cache_write_5m_per_million"),
        CacheWrite1hPerMillion = PerMillion(body, "cache_write_1h_per_million"),
        ReasoningPerMillion = PerMillion(body, "reasoning_per_million"),
        AudioInputPerMillion = PerMillion(body, "audio_input_per_million"),
        AudioOutputPerMillion = PerMillion(body, "audio_output_per_million"),
        PerRequest = body.OptionalAmount("per_request", Price.MaxRequestFee, allowNegative: false),
        EffectiveAt = body.OptionalTimestamp("effective_at"),
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
    });

    private static long? PerMillion(JsonBody body, string name) => body.OptionalAmount(name, Price.MaxPerMillion, allowNegative: false);
}

public sealed record ModelRouteBody : ApiDocs.IStrictJsonBody
{
    [Description("A provider of the gateway's Proxy:Providers.")]
    public required string Provider { get; init; }

    [Description("The provider's name for the model; the model's own name by default.")]
    public string? UpstreamModel { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    public static ValueTask<ModelRouteBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new ModelRouteBody
    {
        Provider = body.RequiredString("provider", ModelLimits.MaxProviderLength),
        UpstreamModel = body.OptionalString("upstream_model", ModelLimits.MaxUpstreamModelLength),
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
    });
}
