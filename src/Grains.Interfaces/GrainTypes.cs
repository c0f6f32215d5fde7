using Tollgate.Runtime;

namespace Tollgate.Grains;

/// <summary>The grain types of Tollgate and how to address them.</summary>
public static class GrainTypes
{
    public const string Account = "account";

    public static GrainId AccountId(string accountId) => new(Account, accountId);
}
