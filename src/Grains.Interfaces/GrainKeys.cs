using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Metering;
using Tollgate.Grains.Models;

namespace Tollgate.Grains;

/// <summary>How Tollgate's grains are addressed.</summary>
public static class GrainKeys
{
    /// <summary>The caller IP grain whose limits are the defaults of every caller IP without its own.</summary>
    public const string IpDefaults = "defaults";

    public static IAccountGrain Account(this IGrainFactory grains, string accountId) => grains.GetGrain<IAccountGrain>(accountId);

    public static IApiKeyGrain ApiKey(this IGrainFactory grains, string keyId) => grains.GetGrain<IApiKeyGrain>(keyId);

    public static IModelGrain Model(this IGrainFactory grains, string model) => grains.GetGrain<IModelGrain>(model);

    /// <summary>A caller IP grain, by the limit key of <see cref="CallerAddress"/> (or <see cref="IpDefaults"/>).</summary>
    public static ICallerIpGrain CallerIp(this IGrainFactory grains, string limitKey) => grains.GetGrain<ICallerIpGrain>(limitKey);
}
