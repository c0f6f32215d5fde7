using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Operator.Forms;
using Tollgate.Grains;

namespace Tollgate.Gateway.Operator.Pages;

/// <summary>
/// Webhook endpoints (never their secrets) and one endpoint's delivery log, read as the admin API reads them
/// (<see cref="WebhookStore"/>); creating one (its secret shown on the answer page only), deleting one, sending one a test event.
/// </summary>
public sealed class WebhooksModel(WebhookStore store, WebhookSettings settings, IGrainFactory grains) : PageModel
{
    public const int LogPage = 50;

    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["deleted"] = "The endpoint is deleted, with its delivery log: no more events go to it.",
        ["tested"] = "A test event is on its way: its delivery shows below.",
    };

    [BindProperty(SupportsGet = true, Name = "endpoint")]
    public string? EndpointId { get; set; }

    [BindProperty(SupportsGet = true, Name = "before")]
    public long? Before { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Notice { get; set; }

    // The create form as typed, kept when it is refused.
    [BindProperty(Name = "url")]
    public string? UrlInput { get; set; }

    [BindProperty(Name = "accountId")]
    public string? AccountFilter { get; set; }

    [BindProperty(Name = "description")]
    public string? Description { get; set; }

    public bool RequireHttps => settings.RequireHttps;
    public WebhookList Endpoints { get; private set; } = new([]);
    public WebhookView? Endpoint { get; private set; }
    public WebhookDeliveryLog? Log { get; private set; }

    /// <summary>The endpoint just created, with its secret: this answer is the only place it is shown (the page is not cached: no-store).</summary>
    public CreatedWebhook? Created { get; private set; }

    public string? Error { get; private set; }
    public string? ErrorCode { get; private set; }
    public string? NoticeText => Notice is not null && Notices.TryGetValue(Notice, out var text) ? text : null;

    public async Task OnGetAsync()
    {
        Endpoints = await store.ListAsync();
        if (string.IsNullOrWhiteSpace(EndpointId)) return;
        var id = Ids.Webhook(EndpointId.Trim());
        if (Before is < 1) throw ApiException.BadRequest("invalid_query", "'before' must be a delivery id from the log.");
        Endpoint = await store.FindAsync(id) ?? throw NotFound(id);
        Log = await store.DeliveriesAsync(id, LogPage, Before);
    }

    /// <summary>Answers with the page itself, not a redirect: the secret must not travel in a URL.</summary>
    public async Task<IActionResult> OnPostCreateAsync()
    {
        try
        {
            Created = await WebhookCommands.CreateAsync(grains, store, settings, UrlInput?.Trim() ?? "", FormFields.Text(AccountFilter), FormFields.Text(Description),
                Accounts.AccountModel.Actor);
        }
        catch (Exception ex) when (OperatorErrorFilter.Describe(ex) is { Status: < 500 } refusal)
        {
            (ErrorCode, Error) = (refusal.Code, refusal.Message);
            Response.StatusCode = refusal.Status;
        }
        if (Created is not null) (UrlInput, AccountFilter, Description) = (null, null, null);
        Endpoints = await store.ListAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync([FromForm] string? endpointId)
    {
        var id = Ids.Webhook(endpointId ?? "");
        if (!await store.DeleteAsync(id)) throw NotFound(id);
        return Redirect($"{OperatorConsole.PathPrefix}/webhooks?notice=deleted");
    }

    public async Task<IActionResult> OnPostTestAsync([FromForm] string? endpointId)
    {
        var sent = await store.TestAsync(Ids.Webhook(endpointId ?? "")) ?? throw NotFound(endpointId!);
        return Redirect($"{OperatorConsole.PathPrefix}/webhooks?endpoint={sent.EndpointId}&notice=tested");
    }

    private static ApiException NotFound(string endpointId) =>
        new(StatusCodes.Status404NotFound, "webhook_not_found", $"There is no webhook endpoint {endpointId}.");
}
