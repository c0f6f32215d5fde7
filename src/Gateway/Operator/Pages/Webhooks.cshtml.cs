using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;

namespace Tollgate.Gateway.Operator.Pages;

/// <summary>Webhook endpoints (never their secrets) and one endpoint's delivery log, read as the admin API reads them (<see cref="WebhookStore"/>).</summary>
public sealed class WebhooksModel(WebhookStore store) : PageModel
{
    public const int LogPage = 50;

    [BindProperty(SupportsGet = true, Name = "endpoint")]
    public string? EndpointId { get; set; }

    [BindProperty(SupportsGet = true, Name = "before")]
    public long? Before { get; set; }

    public WebhookList Endpoints { get; private set; } = new([]);
    public WebhookView? Endpoint { get; private set; }
    public WebhookDeliveryLog? Log { get; private set; }

    public async Task OnGetAsync()
    {
        Endpoints = await store.ListAsync();
        if (string.IsNullOrWhiteSpace(EndpointId)) return;
        var id = Ids.Webhook(EndpointId.Trim());
        if (Before is < 1) throw ApiException.BadRequest("invalid_query", "'before' must be a delivery id from the log.");
        Endpoint = await store.FindAsync(id) ?? throw new ApiException(StatusCodes.Status404NotFound, "webhook_not_found", $"There is no webhook endpoint {id}.");
        Log = await store.DeliveriesAsync(id, LogPage, Before);
    }
}
