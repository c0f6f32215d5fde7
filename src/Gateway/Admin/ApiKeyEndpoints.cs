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
            .Body<ActorBody>(optional: true)
            .Produces<ApiKeyView>()
            .Errors(StatusCodes.Status404NotFound).ClusterErrors();
        keys.MapGet("/keys/{keyId}/models", GetModelsAsync)
            .WithSummary("Get the models an API key may use")
            .WithDescription("Its model patterns (null: every model), and who set them when.")
            .Produces<KeyModelsView>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).ClusterErrors();
        keys.MapPut("/keys/{keyId}/models", SetModelsAsync)
            .WithSummary("Set the models an API key may use")
            .WithDescription("Replaces the key's model patterns: exact model names, or prefixes ending in one '*' (gpt-4o*), at most 100; "
                + "null allows every model again (an empty list is refused: revoke the key instead). Effective on every gateway at once: "
                + "any other model is 403 model_not_allowed at the proxy and allowed=false, reason model_not_allowed at authorize, and GET /v1/models lists only these. "
                + "A bad pattern is a 400 invalid_model_pattern.")
            .Body<KeyModelsBody>()
            .Produces<KeyModelsView>()
            .Errors(StatusCodes.Status404NotFound).ClusterErrors();
    }

    private static async Task<IResult> CreateAsync(string accountId, CreateApiKeyBody body, IGrainFactory grains)
    {
        await grains.Account(Ids.Account(accountId)).Get(new GetAccount(0, null)); // account_not_found otherwise
        var (keyId, key, secretHash) = ApiKeyFormat.NewKey();
        var view = await grains.ApiKey(keyId).Create(new CreateApiKey(accountId, secretHash, body.Name ?? "default", body.Actor ?? "admin"));
        return Results.Created($"/admin/keys/{keyId}", new CreatedApiKey(view.KeyId, key, view.AccountId, view.Name, view.CreatedAt));
    }

    private static async Task<IResult> GetAsync(string keyId, HttpRequest request, IGrainFactory grains) =>
        Results.Ok(await grains.ApiKey(Ids.Key(keyId)).Get());

    private static async Task<IResult> RevokeAsync(string keyId, ActorBody body, IGrainFactory grains) =>
        Results.Ok(await grains.RevokeKeyAsync(keyId, body.Actor ?? "admin"));

    private static async Task<IResult> GetModelsAsync(string keyId, IGrainFactory grains) =>
        Results.Ok(await grains.ApiKey(Ids.Key(keyId)).GetModels());

    private static async Task<IResult> SetModelsAsync(string keyId, KeyModelsBody body, IGrainFactory grains) =>
        Results.Ok(await grains.SetKeyModelsAsync(Ids.Key(keyId), body.Models, body.Actor ?? "admin"));
}

/// <summary>The only response that ever contains the key itself.</summary>
public sealed record CreatedApiKey(string KeyId, string Key, string AccountId, string Name, DateTimeOffset CreatedAt);

// Request bodies: each binds its handler's parameter (JsonBody reads the fields below, in this order, and refuses any other) and
// describes it in the OpenAPI document.

public sealed record CreateApiKeyBody : ApiDocs.IStrictJsonBody
{
    [Description("A name for the key (up to 200 characters); \"default\" by default.")]
    public string? Name { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    public static ValueTask<CreateApiKeyBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new CreateApiKeyBody
    {
        Name = body.OptionalString("name", 200),
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
    });
}

public sealed record KeyModelsBody : ApiDocs.IStrictJsonBody
{
    [Description("Required. Model patterns, 1 to 100: exact names (text-embedding-3-small) or prefixes ending in one '*' (gpt-4o*; '*' alone is every model). "
        + "null: every model.")]
    public required IReadOnlyList<string>? Models { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    public static ValueTask<KeyModelsBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new KeyModelsBody
    {
        // Required, so that a body without it (a typo of the field, refused too) never widens a key to every model.
        Models = body.Has("models") ? body.OptionalStringList("models")
            : throw ApiException.BadRequest("missing_field", "'models' is required: a list of model patterns, or null for every model."),
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
    });
}
