using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Operator.Forms;
using Tollgate.Gateway.Operator.Pages.Shared;
using Tollgate.Grains;
using Tollgate.Grains.Budgets;
using Tollgate.Grains.Keys;

namespace Tollgate.Gateway.Operator.Pages;

/// <summary>
/// An API key by its id (live from its grain), with its budgets and the models it may use, or an account's keys; with
/// revoke, budgets and model access: the calls of <c>/admin/keys</c>. A refused write shows the page again with the API's code.
/// </summary>
public sealed class KeysModel(IGrainFactory grains, AdminListings listings) : PageModel
{
    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["budget-set"] = "The budget is set: requests with the key count against it at once.",
        ["budget-deleted"] = "The budget is deleted.",
        ["models-set"] = "The key may use only these models now, on every gateway.",
        ["models-cleared"] = "The key may use every model again.",
    };

    [BindProperty(SupportsGet = true)]
    public string? Key { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Account { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Revoked { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Notice { get; set; }

    [BindProperty(Name = nameof(Budget))] // an explicit prefix: never bound from another form's unprefixed fields
    public BudgetForm Budget { get; set; } = new();

    /// <summary>The model-access form as typed, or the key's patterns one per line.</summary>
    public string? ModelsInput { get; private set; }

    public ApiKeyView? Found { get; private set; }
    public ApiKeyList? Listed { get; private set; }
    public IReadOnlyList<BudgetState> Budgets { get; private set; } = [];
    public KeyModelsView? Models { get; private set; }
    public string? Error { get; private set; }
    public string? ErrorCode { get; private set; }
    public string? NoticeText => Notice is not null && Notices.TryGetValue(Notice, out var text) ? text : null;

    public BudgetsPanel BudgetsPanel => new("key", Budgets, Budget, AccountZone, new Dictionary<string, string> { ["key"] = Found?.KeyId ?? "" });

    private string AccountZone { get; set; } = TimeZones.Utc;

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostRevokeAsync([FromForm] string? keyId)
    {
        var view = await grains.RevokeKeyAsync(Ids.Key(keyId ?? ""), Accounts.AccountModel.Actor);
        return Redirect($"{OperatorConsole.PathPrefix}/keys?key={view.KeyId}&revoked=true");
    }

    public Task<IActionResult> OnPostSetBudgetAsync() =>
        WriteAsync("budget-set", async key => await grains.SetBudgetAsync(key.AccountId, Budget.ToCommand(key.KeyId, Accounts.AccountModel.Actor)));

    public Task<IActionResult> OnPostDeleteBudgetAsync([FromForm] string? budgetName) =>
        WriteAsync("budget-deleted", key => grains.DeleteBudgetAsync(key.AccountId, key.KeyId, budgetName ?? "", Accounts.AccountModel.Actor));

    /// <summary>Patterns one per line or comma-separated; an empty list is refused (that is revoking the key), as by the API.</summary>
    public Task<IActionResult> OnPostSetModelsAsync([FromForm] string? models)
    {
        ModelsInput = models;
        return WriteAsync("models-set", key => grains.SetKeyModelsAsync(key.KeyId, FormFields.List(models), Accounts.AccountModel.Actor));
    }

    public Task<IActionResult> OnPostClearModelsAsync() =>
        WriteAsync("models-cleared", key => grains.SetKeyModelsAsync(key.KeyId, null, Accounts.AccountModel.Actor));

    /// <summary>Makes one write for the key of <see cref="Key"/>; a refusal shows the page again instead of an error page.</summary>
    private async Task<IActionResult> WriteAsync(string notice, Func<ApiKeyView, Task> write)
    {
        var key = await grains.ApiKey(Ids.Key(Key?.Trim() ?? "")).Get(); // key_not_found: a 404 page
        try
        {
            await write(key);
        }
        catch (Exception ex) when (OperatorErrorFilter.Describe(ex) is { Status: < 500 } refusal)
        {
            ErrorCode = refusal.Code;
            Error = refusal.Message;
            Response.StatusCode = refusal.Status;
            await LoadAsync();
            return Page();
        }
        return Redirect($"{OperatorConsole.PathPrefix}/keys?key={key.KeyId}&notice={notice}");
    }

    private async Task LoadAsync()
    {
        if (!string.IsNullOrWhiteSpace(Key))
        {
            Found = await grains.ApiKey(Ids.Key(Key.Trim())).Get();
            var account = grains.Account(Found.AccountId);
            AccountZone = (await account.Get(new Grains.Accounts.GetAccount(0, null))).TimeZone;
            Budgets = await account.GetBudgets(new GetBudgets(Found.KeyId));
            Models = await grains.ApiKey(Found.KeyId).GetModels();
            ModelsInput ??= Models.Models is { } patterns ? string.Join('\n', patterns) : null;
        }
        if (!string.IsNullOrWhiteSpace(Account))
        {
            var account = Ids.Account(Account.Trim());
            await grains.Account(account).Get(new Grains.Accounts.GetAccount(0, null)); // account_not_found otherwise
            Listed = await listings.KeysAsync(account);
        }
    }
}
