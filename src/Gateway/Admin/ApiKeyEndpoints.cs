using System.ComponentModel;
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
        var keys = admin.MapGroup("").Documented(ApiDocs.AdminTag).Secured(ApiDocs.AdminToken);
        keys.MapPost("/accounts/{accountId}/keys", CreateAsync)
            .WithSummary("Create an API key")
            .WithDescription("The answer is the only place the key (tg_…) is ever shown: Tollgate keeps only its secret's hash.")
            .Body<CreateApiKeyBody>(optional: false)
            .Produces<CreatedApiKey>(StatusCodes.Status201Created)
            .Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).ClusterErrors();
        keys.MapGet("/keys/{keyId}", GetAsync)
            .WithSummary("Get an API key")
            .WithDescription("Its account, name, revocation and limits; never the key itself.")
            .Produces<ApiKeyView>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).ClusterErrors();
        keys.MapPost("/keys/{keyId}/revoke", RevokeAsync)
            .WithSummary("Revoke an API key")
            .WithDescription("Effective on every gateway at once; revoking again changes nothing. The body is optional.")
            .Body<RevokeApiKeyBody>(optional: true)
            .Produces<ApiKeyView>()
            .Errors(StatusCodes.Status404NotFound).ClusterErrors();
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

// Request bodies, for the OpenAPI document only: the handlers above read these fields (JsonBody) and refuse any other.

public sealed class CreateApiKeyBody : ApiDocs.IStrictJsonBody
{
    [Description("A name for the key (up to 200 characters); \"default\" by default.")]
    public string? Name { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }
}

public sealed class RevokeApiKeyBody : ApiDocs.IStrictJsonBody
{
    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }
}
