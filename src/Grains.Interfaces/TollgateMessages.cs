using System.Text.Json.Serialization;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
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
        .Add<GrantTrial, AccountSnapshot>(MessagesJson.Default)
        .Add<SetAccountStatus, AccountSnapshot>(MessagesJson.Default)
        .Add<AuthorizeIp, Admission>(MessagesJson.Default)
        .Add<AuthorizeKey, KeyAdmission>(MessagesJson.Default)
        .Add<AuthorizeModel, ModelAdmission>(MessagesJson.Default)
        .Add<AuthorizeAccount, AccountAdmission>(MessagesJson.Default)
        .Add<SettleRequest, RequestSettled>(MessagesJson.Default)
        .Add<ReleaseGrant, ReleaseResult>(MessagesJson.Default)
        .Add<SetLimits, LimitsView>(MessagesJson.Default)
        .Add<GetLimits, LimitsView>(MessagesJson.Default)
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
[JsonSerializable(typeof(GrantTrial))]
[JsonSerializable(typeof(SetAccountStatus))]
[JsonSerializable(typeof(AuthorizeIp))]
[JsonSerializable(typeof(Admission))]
[JsonSerializable(typeof(AuthorizeKey))]
[JsonSerializable(typeof(KeyAdmission))]
[JsonSerializable(typeof(AuthorizeModel))]
[JsonSerializable(typeof(ModelAdmission))]
[JsonSerializable(typeof(AuthorizeAccount))]
[JsonSerializable(typeof(AccountAdmission))]
[JsonSerializable(typeof(SettleRequest))]
[JsonSerializable(typeof(RequestSettled))]
[JsonSerializable(typeof(ReleaseGrant))]
[JsonSerializable(typeof(ReleaseResult))]
[JsonSerializable(typeof(SetLimits))]
[JsonSerializable(typeof(GetLimits))]
[JsonSerializable(typeof(LimitsView))]
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
