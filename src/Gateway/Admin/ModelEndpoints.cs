using System.Text.RegularExpressions;
using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Models;

namespace Tollgate.Gateway.Admin;

/// <summary>Admin API for models: read a model's price schedule, add a price (nano-USD per 1,000,000 tokens).</summary>
public static partial class ModelEndpoints
{
    public static void MapModelAdmin(this IEndpointRouteBuilder admin)
    {
        admin.MapGet("/models/{model}", GetAsync);
        admin.MapPost("/models/{model}/prices", SetPriceAsync);
    }

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
