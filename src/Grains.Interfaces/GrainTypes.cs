using Tollgate.Runtime;

namespace Tollgate.Grains;

/// <summary>The grain types of Tollgate and how to address them.</summary>
public static class GrainTypes
{
    public const string Account = "account";

    public const string Model = "model";
    public const string ApiKey = "apikey";
    public const string CallerIp = "ip";

    /// <summary>The caller IP grain whose limits are the defaults of every caller IP without its own.</summary>
    public const string IpDefaults = "defaults";

    public static GrainId AccountId(string accountId) => new(Account, accountId);

    public static GrainId ModelId(string model) => new(Model, model);

    public static GrainId ApiKeyId(string keyId) => new(ApiKey, keyId);

    /// <summary>A caller IP grain, by the limit key of <see cref="Metering.CallerAddress"/> (or <see cref="IpDefaults"/>).</summary>
    public static GrainId CallerIpId(string limitKey) => new(CallerIp, limitKey);
}
