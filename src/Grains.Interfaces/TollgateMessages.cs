using System.Text.Json.Serialization;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Models;
using Tollgate.Runtime;

namespace Tollgate.Grains;

/// <summary>The wire contract between gateways and silos: every grain message, serialized by source-generated JSON.</summary>
public static class TollgateMessages
{
    public static MessageCatalog Create() => new MessageCatalog()
        .Add<CreateAccount, AccountSnapshot>(MessagesJson.Default)
        .Add<GetAccount, AccountSnapshot>(MessagesJson.Default)
        .Add<ReserveCredit, ReserveResult>(MessagesJson.Default)
        .Add<SettleCredit, SettleResult>(MessagesJson.Default)
        .Add<VoidReservation, VoidResult>(MessagesJson.Default)
        .Add<AdjustCredit, AdjustResult>(MessagesJson.Default)
        .Add<RecordUsage, UsageRecorded>(MessagesJson.Default)
        .Add<SetModelPrice, ModelSnapshot>(MessagesJson.Default)
        .Add<GetModel, ModelSnapshot>(MessagesJson.Default)
        .Add<CreateApiKey, ApiKeyView>(MessagesJson.Default)
        .Add<RevokeApiKey, ApiKeyView>(MessagesJson.Default)
        .Add<GetApiKey, ApiKeyView>(MessagesJson.Default)
        .Add<VerifyApiKey, ApiKeyCheck>(MessagesJson.Default);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CreateAccount))]
[JsonSerializable(typeof(GetAccount))]
[JsonSerializable(typeof(ReserveCredit))]
[JsonSerializable(typeof(SettleCredit))]
[JsonSerializable(typeof(VoidReservation))]
[JsonSerializable(typeof(AdjustCredit))]
[JsonSerializable(typeof(AccountSnapshot))]
[JsonSerializable(typeof(ReserveResult))]
[JsonSerializable(typeof(SettleResult))]
[JsonSerializable(typeof(VoidResult))]
[JsonSerializable(typeof(AdjustResult))]
[JsonSerializable(typeof(RecordUsage))]
[JsonSerializable(typeof(UsageRecorded))]
[JsonSerializable(typeof(SetModelPrice))]
[JsonSerializable(typeof(GetModel))]
[JsonSerializable(typeof(ModelSnapshot))]
[JsonSerializable(typeof(CreateApiKey))]
[JsonSerializable(typeof(RevokeApiKey))]
[JsonSerializable(typeof(GetApiKey))]
[JsonSerializable(typeof(VerifyApiKey))]
[JsonSerializable(typeof(ApiKeyView))]
[JsonSerializable(typeof(ApiKeyCheck))]
internal sealed partial class MessagesJson : JsonSerializerContext;
