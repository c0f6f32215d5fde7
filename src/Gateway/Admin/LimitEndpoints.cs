using Tollgate.Gateway.Api;
using Tollgate.Gateway.Metering;
using Tollgate.Grains;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Runtime;

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
        Map(admin, "/accounts/{key}/limits", key => GrainTypes.AccountId(AccountEndpoints.ValidAccountId(key)));
        Map(admin, "/keys/{key}/limits", key => GrainTypes.ApiKeyId(ApiKeyEndpoints.ValidKeyId(key)));
        Map(admin, "/models/{key}/limits", key => GrainTypes.ModelId(ModelEndpoints.ValidModel(key)));
        Map(admin, "/ips/{key}/limits", key => GrainTypes.CallerIpId(key));
    }

    private static void Map(IEndpointRouteBuilder admin, string route, Func<string, GrainId> grainOf)
    {
        admin.MapGet(route, async (string key, HttpRequest request, IGrainCaller grains, MeteringOptions options) =>
            Results.Ok(await grains.CallAsync(Resolve(grainOf, key, options), new GetLimits(), request.HttpContext.RequestAborted)));
        admin.MapPut(route, async (string key, HttpRequest request, IGrainCaller grains, MeteringOptions options) =>
        {
            var grain = Resolve(grainOf, key, options);
            using var body = await JsonBody.ReadAsync(request);
            var limits = new LimitSettings(
                body.OptionalCount("requests_per_minute", LimitSettings.MaxRate),
                body.OptionalCount("tokens_per_minute", LimitSettings.MaxRate),
                body.OptionalCount("tokens_per_day", LimitSettings.MaxRate),
                (int?)body.OptionalCount("max_concurrent", LimitSettings.MaxConcurrency));
            var actor = body.OptionalString("actor", 200) ?? "admin";
            body.RejectUnknownFields();
            if (limits.Problem() is { } problem) throw ApiException.BadRequest(LimitErrors.InvalidLimits, problem);
            return Results.Ok(await grains.CallAsync(grain, new SetLimits(limits, actor), request.HttpContext.RequestAborted));
        });
    }

    /// <summary>A caller IP is addressed by any address in its range (an IPv6 /64 by default), or "defaults".</summary>
    private static GrainId Resolve(Func<string, GrainId> grainOf, string key, MeteringOptions options)
    {
        var grain = grainOf(Uri.UnescapeDataString(key));
        if (grain.Type != GrainTypes.CallerIp || grain.Key == GrainTypes.IpDefaults) return grain;
        return CallerAddress.TryGetLimitKey(grain.Key, options.Ipv6PrefixBits, out var limitKey)
            ? GrainTypes.CallerIpId(limitKey)
            : throw ApiException.BadRequest("invalid_ip", "The caller IP must be an IP address, or 'defaults'.");
    }
}
