using System.ComponentModel;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Metering;
using Tollgate.Grains;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Admin API for rate limits: <c>GET</c> and <c>PUT .../limits</c> of an account, a key, a model, a
/// caller IP, and the caller IP defaults (<c>/admin/ips/defaults/limits</c>). A PUT replaces all four
/// limits; a missing or null one is unlimited.
/// </summary>
public static class LimitEndpoints
{
    public static void MapLimitAdmin(this IEndpointRouteBuilder admin)
    {
        var limits = admin.MapGroup("").Documented(ApiDocs.AdminTag).Secured(ApiDocs.AdminToken);
        Map(limits, "/accounts/{key}/limits", "an account", "key: the account id.", (grains, key, _) => grains.Account(Ids.Account(key)));
        Map(limits, "/keys/{key}/limits", "an API key", "key: the key id (16 hex digits).", (grains, key, _) => grains.ApiKey(Ids.Key(key)));
        Map(limits, "/models/{key}/limits", "a model", "key: the model name ('/' may be sent as %2F).", (grains, key, _) => grains.Model(Ids.Model(key)),
            (copies, key) => copies.GetRequiredService<ModelCatalog>().Expire(Ids.Model(key)));
        Map(limits, "/ips/{key}/limits", "a caller IP", "key: any address of the range (an IPv6 /64 by default), or 'defaults' for every caller IP without limits of its own.",
            (grains, key, options) => grains.CallerIp(IpLimitKey(key, options)), (copies, _) => copies.GetRequiredService<IpLimitPolicies>().Expire());
    }

    /// <param name="expire">Makes this gateway's copy of the settings, if it keeps one, read again at its next use.</param>
    private static void Map(IEndpointRouteBuilder admin, string route, string what, string key, Func<IGrainFactory, string, MeteringOptions, ILimitedGrain> grainOf,
        Action<IServiceProvider, string>? expire = null)
    {
        admin.MapGet(route, async (string key, IGrainFactory grains, MeteringOptions options) =>
            Results.Ok(await grainOf(grains, Uri.UnescapeDataString(key), options).GetLimits()))
            .WithSummary($"Get the rate limits of {what}")
            .WithDescription($"The limits set and what remains of each now. {key}")
            .Produces<LimitsView>()
            .Errors(StatusCodes.Status400BadRequest).ClusterErrors();
        admin.MapPut(route, async (string key, LimitsBody body, HttpRequest request, IGrainFactory grains, MeteringOptions options) =>
        {
            var id = Uri.UnescapeDataString(key);
            var grain = grainOf(grains, id, options);
            var limits = new LimitSettings(body.RequestsPerMinute, body.TokensPerMinute, body.TokensPerDay, body.MaxConcurrent);
            if (limits.Problem() is { } problem) throw ApiException.BadRequest(LimitErrors.InvalidLimits, problem);
            var set = await grain.SetLimits(new SetLimits(limits, body.Actor ?? "admin"));
            expire?.Invoke(request.HttpContext.RequestServices, id);
            return Results.Ok(set);
        })
            .WithSummary($"Set the rate limits of {what}")
            .WithDescription($"Replaces all four limits: a missing or null one is unlimited. {key}")
            .Body<LimitsBody>()
            .Produces<LimitsView>()
            .ClusterErrors();
    }

    /// <summary>A caller IP is addressed by any address in its range (an IPv6 /64 by default), or "defaults".</summary>
    private static string IpLimitKey(string key, MeteringOptions options) =>
        key == GrainKeys.IpDefaults ? key
        : CallerAddress.TryGetLimitKey(key, options.Ipv6PrefixBits, out var limitKey) ? limitKey
        : throw ApiException.BadRequest("invalid_ip", "The caller IP must be an IP address, or 'defaults'.");
}

/// <summary>The body of a PUT .../limits: binds its handler's parameter (JsonBody reads these fields and refuses any other) and describes it in the OpenAPI document.</summary>
public sealed record LimitsBody : ApiDocs.IStrictJsonBody
{
    [Description("Requests per minute (sliding window); unlimited when missing or null.")]
    public long? RequestsPerMinute { get; init; }

    [Description("Tokens (input and output) per minute; unlimited when missing or null.")]
    public long? TokensPerMinute { get; init; }

    [Description("Tokens per day; unlimited when missing or null.")]
    public long? TokensPerDay { get; init; }

    [Description("Requests in flight at once; unlimited when missing or null.")]
    public int? MaxConcurrent { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    public static ValueTask<LimitsBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new LimitsBody
    {
        RequestsPerMinute = body.OptionalCount("requests_per_minute", LimitSettings.MaxRate),
        TokensPerMinute = body.OptionalCount("tokens_per_minute", LimitSettings.MaxRate),
        TokensPerDay = body.OptionalCount("tokens_per_day", LimitSettings.MaxRate),
        MaxConcurrent = (int?)body.OptionalCount("max_concurrent", LimitSettings.MaxConcurrency),
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
    });
}
