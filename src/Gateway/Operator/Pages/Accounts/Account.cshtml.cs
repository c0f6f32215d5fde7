using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Operator.Forms;
using Tollgate.Gateway.Operator.Html;
using Tollgate.Gateway.Operator.Pages.Shared;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Budgets;
using Tollgate.Grains.Grants;
using Tollgate.Grains.Limits;

namespace Tollgate.Gateway.Operator.Pages.Accounts;

/// <summary>
/// One account, live from its grain: balance, available, pending, a page of the ledger, limits with what remains,
/// trial, keys, budgets, grants, alerts, usage over time; and the operator's writes (credit adjustment, suspend, key revoke,
/// budgets, grants, time zone, balance alerts), each the same checks and grain call its admin API endpoint makes. A refused
/// write changes nothing and shows the page again with the API's code and message, and the form as the operator typed it.
/// </summary>
public sealed class AccountModel(IGrainFactory grains, AdminListings listings, NpgsqlDataSource database, TimeProvider time) : PageModel
{
    public const int LedgerPage = 20;
    public const int RecentAlerts = 20;
    public const string Actor = "admin (operator pages)";

    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["adjusted"] = "The adjustment is applied.",
        ["suspended"] = "The account is suspended: every request is denied.",
        ["active"] = "The account is active again.",
        ["revoked"] = "The key is revoked on every gateway.",
        ["budget-set"] = "The budget is set: requests count against it at once.",
        ["budget-deleted"] = "The budget is deleted.",
        ["grant-created"] = "The grant is created.",
        ["grant-voided"] = "The grant is voided: its amount left the balance.",
        ["time-zone"] = "The time zone is set: calendar budgets follow it.",
        ["alerts"] = "The balance alerts are set.",
    };

    [BindProperty(SupportsGet = true)]
    public string AccountId { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public long? Before { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Notice { get; set; }

    [BindProperty(Name = nameof(Budget))] // an explicit prefix: never bound from another form's unprefixed fields
    public BudgetForm Budget { get; set; } = new();

    [BindProperty(Name = nameof(Grant))] // an explicit prefix: never bound from another form's unprefixed fields
    public GrantForm Grant { get; set; } = new();

    [BindProperty(Name = nameof(Alerts))] // an explicit prefix: never bound from another form's unprefixed fields
    public AlertsForm Alerts { get; set; } = new();

    /// <summary>The time-zone form as typed (null: the account's zone).</summary>
    public string? TimeZoneInput { get; private set; }

    public AccountSnapshot Account { get; private set; } = null!;
    public LimitsView Limits { get; private set; } = null!;
    public ApiKeyList Keys { get; private set; } = null!;
    public IReadOnlyList<ChartPoint> SpendPerDay { get; private set; } = [];
    public IReadOnlyList<ChartPoint> RequestsPerDay { get; private set; } = [];
    public IReadOnlyList<BudgetState> Budgets { get; private set; } = [];
    public IReadOnlyList<GrantView> Grants { get; private set; } = [];
    public IReadOnlyList<AlertRecord> Alerted { get; private set; } = [];
    public string? Error { get; private set; }
    public string? ErrorCode { get; private set; }
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
            return await RefuseAsync("invalid_amount", "The amount is dollars, such as 5, -2.50 or 0.000001 (at most nine decimals), up to $1,000,000 either way.");
        try
        {
            await grains.AdjustCreditAsync(AccountId, nanos, reason?.Trim() ?? "", Actor, idempotencyKey?.Trim() ?? "");
        }
        catch (Exception ex) when (OperatorErrorFilter.Describe(ex) is { Status: < 500 } refusal)
        {
            return await RefuseAsync(refusal.Code, refusal.Message, refusal.Status);
        }
        return Done("adjusted");
    }

    public Task<IActionResult> OnPostSetBudgetAsync() =>
        WriteAsync("budget-set", () => grains.SetBudgetAsync(AccountId, Budget.ToCommand(null, Actor)));

    public Task<IActionResult> OnPostDeleteBudgetAsync([FromForm] string? budgetName) =>
        WriteAsync("budget-deleted", () => grains.DeleteBudgetAsync(AccountId, null, budgetName ?? "", Actor));

    public Task<IActionResult> OnPostCreateGrantAsync() =>
        WriteAsync("grant-created", () => grains.CreateGrantAsync(AccountId, Grant.ToCommand(Actor), time.GetUtcNow()));

    public Task<IActionResult> OnPostVoidGrantAsync([FromForm] string? grantId) =>
        WriteAsync("grant-voided", () => grains.VoidGrantAsync(AccountId, grantId ?? "", Actor));

    public Task<IActionResult> OnPostTimeZoneAsync([FromForm] string? timeZone)
    {
        TimeZoneInput = timeZone;
        return WriteAsync("time-zone", () => grains.SetTimeZoneAsync(AccountId, FormFields.Text(timeZone), Actor));
    }

    public Task<IActionResult> OnPostAlertsAsync()
    {
        _alertsPosted = true;
        return WriteAsync("alerts", () => grains.SetAlertsAsync(AccountId, Alerts.ToSettings(), Actor));
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

    private bool _alertsPosted;

    /// <summary>Makes one write; a refusal (bad input, a conflict, an unknown grant) shows the page again instead of an error page.</summary>
    private async Task<IActionResult> WriteAsync(string notice, Func<Task> write)
    {
        Ids.Account(AccountId);
        try
        {
            await write();
        }
        catch (Exception ex) when (OperatorErrorFilter.Describe(ex) is { Status: < 500 } refusal)
        {
            return await RefuseAsync(refusal.Code, refusal.Message, refusal.Status);
        }
        return Done(notice);
    }

    private RedirectResult Done(string notice) => Redirect($"{OperatorConsole.PathPrefix}/accounts/{Uri.EscapeDataString(AccountId)}?notice={notice}");

    private async Task<IActionResult> RefuseAsync(string code, string message, int status = StatusCodes.Status400BadRequest)
    {
        ErrorCode = code;
        Error = message;
        await LoadAsync();
        Response.StatusCode = status;
        return Page();
    }

    public BudgetsPanel BudgetsPanel => new("account", Budgets, Budget, Account.TimeZone, new Dictionary<string, string> { ["accountId"] = AccountId });

    private async Task LoadAsync()
    {
        var account = grains.Account(AccountId);
        Account = await account.Get(new GetAccount(LedgerPage, Before)); // account_not_found: a 404 page
        Limits = await account.GetLimits();
        Keys = await listings.KeysAsync(AccountId);
        Budgets = await account.GetBudgets(new GetBudgets(null));
        Grants = await account.GetGrants();
        Alerted = await listings.RecentAlertsAsync(AccountId, RecentAlerts);
        if (!_alertsPosted) Alerts = AlertsForm.From(Account.Alerts); // the settings as they stand, unless the operator's refused ones are shown again
        TimeZoneInput ??= Account.TimeZone == TimeZones.Utc ? null : Account.TimeZone;
        var daily = await UsageSeries.DailyQuery(time.GetUtcNow(), 30, new Dictionary<string, string> { ["account"] = AccountId })
            .RunAsync(database, HttpContext.RequestAborted);
        SpendPerDay = UsageSeries.Points(daily, t => t.Cost);
        RequestsPerDay = UsageSeries.Points(daily, t => t.Requests);
    }
}
