using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Operator.Html;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Limits;

namespace Tollgate.Gateway.Operator.Pages.Accounts;

/// <summary>
/// One account, live from its grain: balance, available, pending, a page of the ledger, limits with what remains,
/// trial, keys, usage over time; and the operator's writes (credit adjustment, suspend, key revoke), each the same
/// call its admin API endpoint makes.
/// </summary>
public sealed class AccountModel(IGrainFactory grains, AdminListings listings, NpgsqlDataSource database, TimeProvider time) : PageModel
{
    public const int LedgerPage = 20;
    public const string Actor = "admin (operator pages)";

    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["adjusted"] = "The adjustment is applied.",
        ["suspended"] = "The account is suspended: every request is denied.",
        ["active"] = "The account is active again.",
        ["revoked"] = "The key is revoked on every gateway.",
    };

    [BindProperty(SupportsGet = true)]
    public string AccountId { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public long? Before { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Notice { get; set; }

    public AccountSnapshot Account { get; private set; } = null!;
    public LimitsView Limits { get; private set; } = null!;
    public ApiKeyList Keys { get; private set; } = null!;
    public IReadOnlyList<ChartPoint> SpendPerDay { get; private set; } = [];
    public IReadOnlyList<ChartPoint> RequestsPerDay { get; private set; } = [];
    public string? Error { get; private set; }
    public string? NoticeText => Notice is not null && Notices.TryGetValue(Notice, out var text) ? text : null;

    /// <summary>Prefilled in the form: a retry (a double submit) of one adjustment applies it once.</summary>
    public string NewIdempotencyKey { get; } = "ops-" + Guid.NewGuid().ToString("N");

    public async Task OnGetAsync()
    {
        Ids.Account(AccountId);
        if (Before is < 1) throw ApiException.BadRequest("invalid_query", "'before' must be a ledger entry id.");
        await LoadAsync();
    }

    public async Task<IActionResult> OnPostAdjustAsync([FromForm] string? amount, [FromForm] string? reason, [FromForm] string? idempotencyKey)
    {
        Ids.Account(AccountId);
        if (!Money.TryParse(amount, out var nanos))
            return await RefuseAsync("The amount is dollars, such as 5, -2.50 or 0.000001 (at most nine decimals), up to $1,000,000 either way.");
        try
        {
            await grains.AdjustCreditAsync(AccountId, nanos, reason?.Trim() ?? "", Actor, idempotencyKey?.Trim() ?? "");
        }
        catch (Exception ex) when (OperatorErrorFilter.Describe(ex) is { Status: < 500 } refusal)
        {
            return await RefuseAsync(refusal.Message, refusal.Status);
        }
        return Done("adjusted");
    }

    public async Task<IActionResult> OnPostStatusAsync([FromForm] string? status)
    {
        if (status is not (AccountStatus.Active or AccountStatus.Suspended)) throw ApiException.BadRequest("invalid_status", "The status is active or suspended.");
        await grains.SetAccountStatusAsync(Ids.Account(AccountId), status, Actor);
        return Done(status);
    }

    public async Task<IActionResult> OnPostRevokeAsync([FromForm] string? keyId)
    {
        Ids.Account(AccountId);
        var key = await grains.ApiKey(Ids.Key(keyId ?? "")).Get();
        if (key.AccountId != AccountId) throw ApiException.BadRequest("invalid_key_id", "That key is not this account's.");
        await grains.RevokeKeyAsync(key.KeyId, Actor);
        return Done("revoked");
    }

    private RedirectResult Done(string notice) => Redirect($"{OperatorConsole.PathPrefix}/accounts/{Uri.EscapeDataString(AccountId)}?notice={notice}");

    private async Task<IActionResult> RefuseAsync(string message, int status = StatusCodes.Status400BadRequest)
    {
        Error = message;
        await LoadAsync();
        Response.StatusCode = status;
        return Page();
    }

    private async Task LoadAsync()
    {
        var account = grains.Account(AccountId);
        Account = await account.Get(new GetAccount(LedgerPage, Before)); // account_not_found: a 404 page
        Limits = await account.GetLimits();
        Keys = await listings.KeysAsync(AccountId);
        var daily = await UsageSeries.DailyQuery(time.GetUtcNow(), 30, new Dictionary<string, string> { ["account"] = AccountId })
            .RunAsync(database, HttpContext.RequestAborted);
        SpendPerDay = UsageSeries.Points(daily, t => t.Cost);
        RequestsPerDay = UsageSeries.Points(daily, t => t.Requests);
    }
}
