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
        Map(admin, "/accounts/{key}/limits", (grains, key, _) => grains.Account(AccountEndpoints.ValidAccountId(key)));
        Map(admin, "/keys/{key}/limits", (grains, key, _) => grains.ApiKey(ApiKeyEndpoints.ValidKeyId(key)));
        Map(admin, "/models/{key}/limits", (grains, key, _) => grains.Model(ModelEndpoints.ValidModel(key)));
        Map(admin, "/ips/{key}/limits", (grains, key, options) => grains.CallerIp(IpLimitKey(key, options)));
    }

    private static void Map(IEndpointRouteBuilder admin, string route, Func<IGrainFactory, string, MeteringOptions, ILimitedGrain> grainOf)
    {
        admin.MapGet(route, async (string key, IGrainFactory grains, MeteringOptions options) =>
            Results.Ok(await grainOf(grains, Uri.UnescapeDataString(key), options).GetLimits()));
        admin.MapPut(route, async (string key, HttpRequest request, IGrainFactory grains, MeteringOptions options) =>
        {
            var grain = grainOf(grains, Uri.UnescapeDataString(key), options);
            using var body = await JsonBody.ReadAsync(request);
            var limits = new LimitSettings(
                body.OptionalCount("requests_per_minute", LimitSettings.MaxRate),
                body.OptionalCount("tokens_per_minute", LimitSettings.MaxRate),
                body.OptionalCount("tokens_per_day", LimitSettings.MaxRate),
                (int?)body.OptionalCount("max_concurrent", LimitSettings.MaxConcurrency));
            var actor = body.OptionalString("actor", 200) ?? "admin";
            body.RejectUnknownFields();
            if (limits.Problem() is { } problem) throw ApiException.BadRequest(LimitErrors.InvalidLimits, problem);
            return Results.Ok(await grain.SetLimits(new SetLimits(limits, actor)));
        });
    }

    /// <summary>A caller IP is addressed by any address in its range (an IPv6 /64 by default), or "defaults".</summary>
    private static string IpLimitKey(string key, MeteringOptions options) =>
        key == GrainKeys.IpDefaults ? key
        : CallerAddress.TryGetLimitKey(key, options.Ipv6PrefixBits, out var limitKey) ? limitKey
        : throw ApiException.BadRequest("invalid_ip", "The caller IP must be an IP address, or 'defaults'.");
}
