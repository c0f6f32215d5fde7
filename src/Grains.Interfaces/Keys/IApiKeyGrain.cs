using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Grains.Keys;

/// <summary>One API key, keyed by its public id (see <see cref="ApiKeyFormat"/>).</summary>
[Alias("tollgate.apikey")]
public interface IApiKeyGrain : ILimitedGrain
{
    [Alias("create")]
    Task<ApiKeyView> Create(CreateApiKey request);

    [Alias("revoke")]
    Task<ApiKeyView> Revoke(RevokeApiKey request);

    [Alias("get")]
    Task<ApiKeyView> Get();

    [Alias("verify")]
    Task<ApiKeyCheck> Verify(VerifyApiKey request);

    [Alias("get-models")]
    Task<KeyModelsView> GetModels();

    [Alias("set-models")]
    Task<KeyModelsView> SetModels(SetKeyModels request);

    [Alias("authorize")]
    Task<KeyAdmission> Authorize(AuthorizeKey request);
}
