using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Creating a webhook endpoint from the operator pages: the checks of <c>POST /admin/webhooks</c> (the URL as
/// <see cref="WebhookSettings.CheckUrl"/> takes it, https unless <c>Webhooks:RequireHttps</c> is off; an existing account), then the store.
/// </summary>
internal static class WebhookCommands
{
    public const int MaxDescription = 500;

    /// <summary>The endpoint with its secret (shown this once), or a refusal with the API's code.</summary>
    public static async Task<CreatedWebhook> CreateAsync(IGrainFactory grains, WebhookStore store, WebhookSettings settings, string url, string? accountId,
        string? description, string actor)
    {
        if (url.Length == 0) throw ApiException.BadRequest("missing_field", "'url' is required.", "url");
        var target = settings.CheckUrl(url);
        if (description is not null) AdminCommands.Text("description", description, MaxDescription);
        AdminCommands.Text("actor", actor, AdminCommands.MaxActor);
        if (accountId is not null)
        {
            Ids.Account(accountId);
            await grains.Account(accountId).Get(new GetAccount(0, null)); // account_not_found otherwise
        }
        return await store.CreateAsync(target, accountId, description, actor)
            ?? throw new ApiException(StatusCodes.Status409Conflict, "too_many_webhooks", $"There are {WebhookStore.MaxEndpoints} webhook endpoints already: delete one first.");
    }
}
