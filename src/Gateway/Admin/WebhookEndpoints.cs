using System.ComponentModel;
using Microsoft.OpenApi;
using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Admin API for webhook endpoints: where alert events are delivered, signed with the endpoint's secret (shown once,
/// at creation), and each endpoint's delivery log. docs/spend-control.md ("Alerts and webhooks") describes what is sent.
/// </summary>
public static class WebhookEndpoints
{
    public const int MaxUrlLength = 2000;
    private const int DefaultLogPage = 50;

    public static void MapWebhookAdmin(this IEndpointRouteBuilder admin)
    {
        var webhooks = admin.MapGroup("").Documented(ApiDocs.AdminTag).Secured(ApiDocs.AdminToken);
        webhooks.MapPost("/webhooks", CreateAsync)
            .WithSummary("Create a webhook endpoint")
            .WithDescription("Alert events (and this endpoint's test events) are POSTed to the URL, signed with the secret (whsec_…) that this answer "
                + "shows, once: Tollgate never shows it again. With account_id, only that account's events; without, every account's. "
                + "The URL is absolute, http or https (https only unless Webhooks:RequireHttps is false), up to 2000 characters, without credentials.")
            .Body<CreateWebhookBody>()
            .Produces<CreatedWebhook>(StatusCodes.Status201Created)
            .Errors(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict).ClusterErrors();
        webhooks.MapGet("/webhooks", ListAsync)
            .WithSummary("List webhook endpoints")
            .WithDescription($"Every endpoint (at most {WebhookStore.MaxEndpoints}), newest first; never their secrets.")
            .Produces<WebhookList>()
            .Errors(StatusCodes.Status503ServiceUnavailable);
        webhooks.MapGet("/webhooks/{endpointId}", GetAsync)
            .WithSummary("Get a webhook endpoint")
            .WithDescription("Its URL, account filter, description and creation; never its secret.")
            .Produces<WebhookView>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable);
        webhooks.MapDelete("/webhooks/{endpointId}", DeleteAsync)
            .WithSummary("Delete a webhook endpoint")
            .WithDescription("No more events go to it, and its delivery log goes with it.")
            .Produces(StatusCodes.Status204NoContent)
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable);
        webhooks.MapPost("/webhooks/{endpointId}/test", TestAsync)
            .WithSummary("Send a test event to a webhook endpoint")
            .WithDescription("Writes an event of type test for this endpoint alone, delivered (signed, retried) as any alert; "
                + "answers its event id, which its delivery log then shows. Takes no body.")
            .Produces<WebhookTestEvent>(StatusCodes.Status202Accepted)
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable);
        webhooks.MapGet("/webhooks/{endpointId}/deliveries", DeliveriesAsync)
            .WithSummary("A webhook endpoint's delivery log")
            .WithDescription("One row per event sent to it, newest first: status (pending, delivered, failed), attempts, the last attempt's "
                + "status code or error, when the next attempt is due, when it was delivered.")
            .Query("limit", JsonSchemaType.Integer, $"Page size, 1 to {AdminListings.MaxPage}; {DefaultLogPage} by default.")
            .Query("before", JsonSchemaType.Integer, "The previous page's next_before: only older deliveries.")
            .Produces<WebhookDeliveryLog>()
            .Errors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> CreateAsync(CreateWebhookBody body, IGrainFactory grains, WebhookStore store, WebhookSettings settings)
    {
        var (accountId, target) = (body.AccountId, settings.CheckUrl(body.Url));
        if (accountId is not null)
        {
            Ids.Account(accountId);
            await grains.Account(accountId).Get(new GetAccount(0, null)); // account_not_found otherwise
        }

        var created = await store.CreateAsync(target, accountId, body.Description, body.Actor ?? "admin")
            ?? throw new ApiException(StatusCodes.Status409Conflict, "too_many_webhooks", $"There are {WebhookStore.MaxEndpoints} webhook endpoints already: delete one first.");
        return Results.Created($"/admin/webhooks/{created.EndpointId}", created);
    }

    private static async Task<IResult> ListAsync(WebhookStore store) => Results.Ok(await store.ListAsync());

    private static async Task<IResult> GetAsync(string endpointId, WebhookStore store) =>
        Results.Ok(await store.FindAsync(Ids.Webhook(endpointId)) ?? throw NotFound(endpointId));

    private static async Task<IResult> DeleteAsync(string endpointId, WebhookStore store) =>
        await store.DeleteAsync(Ids.Webhook(endpointId)) ? Results.NoContent() : throw NotFound(endpointId);

    private static async Task<IResult> TestAsync(string endpointId, WebhookStore store)
    {
        var sent = await store.TestAsync(Ids.Webhook(endpointId)) ?? throw NotFound(endpointId);
        return Results.Accepted($"/admin/webhooks/{endpointId}/deliveries", sent);
    }

    private static async Task<IResult> DeliveriesAsync(string endpointId, HttpRequest request, WebhookStore store)
    {
        Ids.Webhook(endpointId);
        var limit = AccountEndpoints.QueryInt(request, "limit", 1, AdminListings.MaxPage) ?? DefaultLogPage;
        var before = AccountEndpoints.QueryInt(request, "before", 1, long.MaxValue);
        if (await store.FindAsync(endpointId) is null) throw NotFound(endpointId);
        return Results.Ok(await store.DeliveriesAsync(endpointId, (int)limit, before));
    }

    private static ApiException NotFound(string endpointId) =>
        new(StatusCodes.Status404NotFound, "webhook_not_found", $"There is no webhook endpoint {endpointId}.");
}

/// <summary>The gateway's webhook settings (section <c>Webhooks</c>; the silos' dispatchers read the rest of it).</summary>
/// <param name="RequireHttps"><c>Webhooks:RequireHttps</c>, true by default: events and their signatures cross networks, so only over TLS.</param>
public sealed record WebhookSettings(bool RequireHttps)
{
    public static WebhookSettings From(IConfiguration configuration) => new(configuration.GetValue("Webhooks:RequireHttps", true));

    /// <summary>The URL as it will be called, or a 400: <c>invalid_webhook_url</c>, or <c>webhook_https_required</c> for http when https is required.</summary>
    public string CheckUrl(string url)
    {
        if (url.Length > WebhookEndpoints.MaxUrlLength)
            throw ApiException.BadRequest("invalid_webhook_url", $"'url' is at most {WebhookEndpoints.MaxUrlLength} characters.", "url");
        if (url.Any(char.IsControl) || url.Any(char.IsWhiteSpace) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.IsFile || uri.IsUnc)
            throw ApiException.BadRequest("invalid_webhook_url", "'url' must be an absolute http or https URL, such as https://example.com/tollgate/webhooks.", "url");
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            throw ApiException.BadRequest("invalid_webhook_url", $"'url' must be http or https, not {uri.Scheme}.", "url");
        if (uri.Host.Length == 0)
            throw ApiException.BadRequest("invalid_webhook_url", "'url' must name a host.", "url");
        // The URL is shown by every GET and in the console: credentials do not belong in it (the signature authenticates Tollgate).
        if (uri.UserInfo.Length > 0)
            throw ApiException.BadRequest("invalid_webhook_url", "'url' must not hold credentials (user:password@): receivers verify the signature instead.", "url");
        if (uri.Fragment.Length > 0)
            throw ApiException.BadRequest("invalid_webhook_url", "'url' must not have a fragment (#…): it is never sent.", "url");
        if (RequireHttps && uri.Scheme != Uri.UriSchemeHttps)
            throw ApiException.BadRequest("webhook_https_required", "'url' must be https (Webhooks:RequireHttps is on).", "url");
        // As it will be called: escaping (of non-ASCII characters, say) can lengthen it past the bound.
        return uri.AbsoluteUri.Length <= WebhookEndpoints.MaxUrlLength ? uri.AbsoluteUri
            : throw ApiException.BadRequest("invalid_webhook_url", $"'url' is over {WebhookEndpoints.MaxUrlLength} characters once escaped.", "url");
    }
}

// Request bodies: each binds its handler's parameter (JsonBody reads the fields below, in this order, and refuses any other) and
// describes it in the OpenAPI document.

public sealed record CreateWebhookBody : ApiDocs.IStrictJsonBody
{
    [Description("Where events are POSTed: an absolute https URL (http only when Webhooks:RequireHttps is false), up to 2000 characters.")]
    public required string Url { get; init; }

    [Description("Only this account's events; null or absent: every account's.")]
    public string? AccountId { get; init; }

    [Description("What the endpoint is for (up to 500 characters).")]
    public string? Description { get; init; }

    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    public static ValueTask<CreateWebhookBody?> BindAsync(HttpContext context) => JsonBody.BindAsync(context, body => new CreateWebhookBody
    {
        Url = body.RequiredIdentifier("url", int.MaxValue), // the URL's own checks (WebhookSettings.CheckUrl) name its faults
        AccountId = body.OptionalIdentifier("account_id", 128),
        Description = body.OptionalString("description", 500),
        Actor = body.OptionalString("actor", AdminCommands.MaxActor),
    });
}
