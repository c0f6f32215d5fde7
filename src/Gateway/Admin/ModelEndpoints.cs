using System.Text.RegularExpressions;
using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Models;

namespace Tollgate.Gateway.Admin;

public sealed record RoutedModelList(IReadOnlyList<RoutedModel> Models);

/// <summary>Admin API for models: read a model's price schedule, add a price (nano-USD per 1,000,000 tokens), route it to a provider.</summary>
public static partial class ModelEndpoints
{
    public static void MapModelAdmin(this IEndpointRouteBuilder admin)
    {
        admin.MapGet("/models/{model}", GetAsync);
        admin.MapPost("/models/{model}/prices", SetPriceAsync);
        admin.MapPut("/models/{model}/route", SetRouteAsync);
        admin.MapDelete("/models/{model}/route", RemoveRouteAsync);
        admin.MapGet("/models", ListRoutedAsync);
    }

    /// <summary>
    /// Routes the model to a provider of the proxy's configuration, under the provider's name for it. The
    /// provider must be one this gateway knows (the fleet shares its configuration), so a typo is refused here.
    /// </summary>
    private static async Task<IResult> SetRouteAsync(string model, HttpRequest request, IGrainFactory grains, Proxy.ProxySettings proxy)
    {
        var name = ValidModel(model);
        using var body = await JsonBody.ReadAsync(request);
        var provider = body.RequiredString("provider", ModelLimits.MaxProviderLength);
        var upstream = body.OptionalString("upstream_model", ModelLimits.MaxUpstreamModelLength) ?? name;
        var actor = body.OptionalString("actor", 200) ?? "admin";
        body.RejectUnknownFields();
        if (!proxy.Options.Providers.ContainsKey(provider))
            throw new ApiException(StatusCodes.Status400BadRequest, ModelErrors.InvalidRoute,
                $"No provider '{provider}' in this gateway's Proxy:Providers (it has: {string.Join(", ", proxy.Options.Providers.Keys.Order())}).", "provider");
        return Results.Ok(await grains.Model(name).SetRoute(new SetModelRoute(new ModelRoute(provider, upstream), actor)));
    }

    private static async Task<IResult> RemoveRouteAsync(string model, IGrainFactory grains) =>
        Results.Ok(await grains.Model(ValidModel(model)).SetRoute(new SetModelRoute(null, "admin")));

    /// <summary>Every model the proxy serves (routed), priced or not.</summary>
    private static async Task<IResult> ListRoutedAsync(AdminListings listings) =>
        Results.Ok(new RoutedModelList(await listings.RoutedModelsAsync(pricedOnly: false)));

    private static async Task<IResult> GetAsync(string model, HttpRequest request, IGrainFactory grains) =>
        Results.Ok(await grains.Model(ValidModel(model)).Get());

    private static async Task<IResult> SetPriceAsync(string model, HttpRequest request, IGrainFactory grains)
    {
        var name = ValidModel(model);
        using var body = await JsonBody.ReadAsync(request);
        var input = body.RequiredAmount("input_per_million", ModelLimits.MaxPricePerMillion, allowNegative: false);
        var output = body.RequiredAmount("output_per_million", ModelLimits.MaxPricePerMillion, allowNegative: false);
        var effectiveAt = body.OptionalTimestamp("effective_at");
        var actor = body.OptionalString("actor", 200) ?? "admin";
        body.RejectUnknownFields();
        var snapshot = await grains.Model(name).SetPrice(new SetModelPrice(input, output, effectiveAt, actor));
        return Results.Ok(snapshot);
    }

    /// <summary>Model names as gateways send them (e.g. <c>gpt-4o-mini</c>, <c>openai/gpt-4o</c>); a '/' may arrive as %2F.</summary>
    internal static bool IsModel(string? name) => name is not null && ModelPattern().IsMatch(name);

    internal static string ValidModel(string model)
    {
        var name = Uri.UnescapeDataString(model);
        return IsModel(name) ? name
            : throw ApiException.BadRequest("invalid_model", "A model name is 1 to 200 characters of letters, digits and . _ : / @ + -");
    }

    [GeneratedRegex("^[A-Za-z0-9._:/@+-]{1,200}\\z")]
    private static partial Regex ModelPattern();
}
