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

    public static IAccountGrain Account(this IGrainFactory grains, string accountId) => Reference<IAccountGrain>(grains, accountId);

    public static IApiKeyGrain ApiKey(this IGrainFactory grains, string keyId) => Reference<IApiKeyGrain>(grains, keyId);

    public static IModelGrain Model(this IGrainFactory grains, string model) => Reference<IModelGrain>(grains, model);

    /// <summary>A caller IP grain, by the limit key of <see cref="CallerAddress"/> (or <see cref="IpDefaults"/>).</summary>
    public static ICallerIpGrain CallerIp(this IGrainFactory grains, string limitKey) => Reference<ICallerIpGrain>(grains, limitKey);

    /// <summary>
    /// A reference made from the grain and interface types found once: Orleans' <c>GetGrain&lt;T&gt;(string)</c> finds them again
    /// on every call, by reflection and by formatting the interface's name, which was 8.7 % of what a metered pair allocated.
    /// </summary>
    private static TGrain Reference<TGrain>(IGrainFactory grains, string key) where TGrain : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var (grainType, interfaceType) = GrainTypes<TGrain>.Of(grains);
        return (TGrain)grains.GetGrain(GrainId.Create(grainType, key), interfaceType);
    }

    /// <summary>A grain interface's types; the same for every factory of the process (they come from its assemblies).</summary>
    private static class GrainTypes<TGrain> where TGrain : IGrainWithStringKey
    {
        private static (GrainType, GrainInterfaceType)? _types;

        public static (GrainType, GrainInterfaceType) Of(IGrainFactory grains)
        {
            if (_types is { } types) return types;
            var reference = (GrainReference)(object)grains.GetGrain<TGrain>("types");
            return (_types = (reference.GrainId.Type, reference.InterfaceType)).Value;
        }
    }
}
