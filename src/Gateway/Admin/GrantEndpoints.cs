using System.ComponentModel;
using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Grants;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Admin API for credit grants: an account's credit is a set of them, drawn from by priority (lower first), then soonest
/// expiry. Amounts are integers of nano-USD.
/// </summary>
public static class GrantEndpoints
{
    public static void MapGrantAdmin(this IEndpointRouteBuilder admin)
    {
        var grants = admin.MapGroup("").Documented(ApiDocs.AdminTag).Secured(ApiDocs.AdminToken);
        grants.MapGet("/accounts/{accountId}/grants", async (string accountId, IGrainFactory grains) => Results.Ok(await grains.Account(Ids.Account(accountId)).GetGrants()))
            .WithSummary("List an account's credit grants")
            .WithDescription("Newest first (the last 500): amount, what is left, priority, when it takes effect and expires, and its status "
                + "(pending, active, used, expired, voided).")
            .Produces<IReadOnlyList<GrantView>>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).ClusterErrors();
        grants.MapPost("/accounts/{accountId}/grants", CreateAsync)
            .WithSummary("Grant credit to an account")
            .WithDescription("Once per grant_id (or Idempotency-Key header): a retry with the same grant answers it again, other terms under the same id are a 409. "
                + "Charges draw from the grants in effect by priority (lower first), then soonest expiry; credit pays any debt first. What is left at expiry "
                + "is written off by a ledger row.")
            .Body<GrantBody>()
            .Header("Idempotency-Key", "The grant's id, when the body has no grant_id.")
            .Produces<GrantView>(StatusCodes.Status201Created)
            .Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity).ClusterErrors();
        grants.MapPost("/accounts/{accountId}/grants/{grantId}/void", VoidAsync)
            .WithSummary("Void an unused credit grant")
            .WithDescription("Its whole amount leaves the balance by a ledger row; voiding it again answers it again. A grant drawn from is a 409 grant_used. The body is optional.")
            .Body<ActorBody>(optional: true)
            .Produces<GrantView>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).ClusterErrors();
    }

    private static async Task<IResult> CreateAsync(string accountId, GrantBody body, HttpRequest request, IGrainFactory grains, TimeProvider time)
    {
        Ids.Account(accountId);
        var grantId = body.GrantId ?? (request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } header ? header : null)
            ?? throw ApiException.BadRequest("missing_idempotency_key", "A grant needs a 'grant_id' field or an Idempotency-Key header, so a retry cannot grant it twice.");
        var grant = new CreateGrant(grantId, body.Amount, body.Kind ?? GrantKinds.Paid, body.Priority ?? GrantRules.DefaultPriority, body.EffectiveAt, body.ExpiresAt,
            body.Reason, body.Actor ?? "admin");
        var created = await grains.CreateGrantAsync(accountId, grant, time.GetUtcNow());
        return Results.Created($"/admin/accounts/{accountId}/grants", created);
    }

    private static async Task<IResult> VoidAsync(string accountId, string grantId, ActorBody body, IGrainFactory grains) =>
        Results.Ok(await grains.VoidGrantAsync(accountId, grantId, body.Actor ?? "admin"));
}

// Request bodies: each binds its handler's parameter (JsonBody reads the fields below, in this order, and refuses any other) and
// describes it in the OpenAPI document.

public sealed record GrantBody : ApiDocs.IStrictJsonBody
{
    [Description("The grant's id and idempotency key (1 to 128 of letters, digits and . _ : @ -); or the Idempotency-Key header.")]
    public string? GrantId { get; init; }

    [Description("Nano-USD, 1 or more.")]
    public required long Amount { get; init; }

    [Description("\"paid\" (the default) or \"promotional\".")]
    public string? Kind { get; init; }

    [Description("0 to 100, lower drawn first; 50 by default.")]
    public int? Priority { get; init; }

    [Description("When it may be drawn from (RFC 3339); now by default.")]
    public DateTimeOffset? EffectiveAt { get; init; }

    [Description("When what is left of it is written off (RFC 3339, after effective_at); never by default.")]
    public DateTimeOffset? ExpiresAt { get; init; }

    [Description("Why, for the ledger (up to 500 characters).")]
    public string? Reason { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    public static ValueTask<GrantBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new GrantBody
    {
        GrantId = body.OptionalString("grant_id", 128),
        Priority = (int?)body.OptionalSignedCount("priority", int.MaxValue), // out of 0 to 100 is the grant's own error
        Amount = body.RequiredAmount("amount", Credits.MaxAmount, allowNegative: true),
        Kind = body.OptionalString("kind", 20),
        EffectiveAt = body.OptionalTimestamp("effective_at"),
        ExpiresAt = body.OptionalTimestamp("expires_at"),
        Reason = body.OptionalString("reason", AdminCommands.MaxReason),
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
    });
}
