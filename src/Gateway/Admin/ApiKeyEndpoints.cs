using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Admin API for API keys. A new key is shown once, in the creation response; Tollgate keeps only
/// the hash of its secret. Revocation is effective on every gateway at once.
/// </summary>
public static class ApiKeyEndpoints
{
    public static void MapApiKeyAdmin(this IEndpointRouteBuilder admin)
    {
        admin.MapPost("/accounts/{accountId}/keys", CreateAsync);
        admin.MapGet("/keys/{keyId}", GetAsync);
        admin.MapPost("/keys/{keyId}/revoke", RevokeAsync);
    }

    private static async Task<IResult> CreateAsync(string accountId, HttpRequest request, IGrainFactory grains)
    {
        AccountEndpoints.ValidAccountId(accountId);
        using var body = await JsonBody.ReadAsync(request);
        var name = body.OptionalString("name", 200) ?? "default";
        var actor = body.OptionalString("actor", 200) ?? "admin";
        body.RejectUnknownFields();

        await grains.Account(accountId).Get(new GetAccount(0, null)); // account_not_found otherwise
        var (keyId, key, secretHash) = ApiKeyFormat.NewKey();
        var view = await grains.ApiKey(keyId).Create(new CreateApiKey(accountId, secretHash, name, actor));
        return Results.Created($"/admin/keys/{keyId}", new CreatedApiKey(view.KeyId, key, view.AccountId, view.Name, view.CreatedAt));
    }

    private static async Task<IResult> GetAsync(string keyId, HttpRequest request, IGrainFactory grains) =>
        Results.Ok(await grains.ApiKey(ValidKeyId(keyId)).Get());

    private static async Task<IResult> RevokeAsync(string keyId, HttpRequest request, IGrainFactory grains)
    {
        ValidKeyId(keyId);
        var actor = "admin";
        using (var body = await JsonBody.ReadOptionalAsync(request)) // the body is optional; a broken one is still an error
        {
            actor = body?.OptionalString("actor", 200) ?? actor;
            body?.RejectUnknownFields();
        }
        return Results.Ok(await grains.RevokeKeyAsync(keyId, actor));
    }

    internal static string ValidKeyId(string keyId) =>
        ApiKeyFormat.IsKeyId(keyId) ? keyId : throw ApiException.BadRequest("invalid_key_id", "A key id is 16 lowercase hex digits.");
}

/// <summary>The only response that ever contains the key itself.</summary>
public sealed record CreatedApiKey(string KeyId, string Key, string AccountId, string Name, DateTimeOffset CreatedAt);
