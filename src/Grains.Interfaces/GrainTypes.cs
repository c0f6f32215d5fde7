using Tollgate.Runtime;

namespace Tollgate.Grains;

/// <summary>The grain types of Tollgate and how to address them.</summary>
public static class GrainTypes
{
    public const string Account = "account";

    public const string Model = "model";
    public const string ApiKey = "apikey";

    public static GrainId AccountId(string accountId) => new(Account, accountId);

    public static GrainId ModelId(string model) => new(Model, model);

    public static GrainId ApiKeyId(string keyId) => new(ApiKey, keyId);
}
