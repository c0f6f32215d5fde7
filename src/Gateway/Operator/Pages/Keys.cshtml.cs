using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Grains;
using Tollgate.Grains.Keys;

namespace Tollgate.Gateway.Operator.Pages;

/// <summary>An API key by its id (live from its grain) or an account's keys, with revoke: the calls of <c>/admin/keys</c>.</summary>
public sealed class KeysModel(IGrainFactory grains, AdminListings listings) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Key { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Account { get; set; }

    [BindProperty(SupportsGet = true)]
    public bool Revoked { get; set; }

    public ApiKeyView? Found { get; private set; }
    public ApiKeyList? Listed { get; private set; }

    public async Task OnGetAsync()
    {
        if (!string.IsNullOrWhiteSpace(Key)) Found = await grains.ApiKey(Ids.Key(Key.Trim())).Get();
        if (!string.IsNullOrWhiteSpace(Account))
        {
            var account = Ids.Account(Account.Trim());
            await grains.Account(account).Get(new Grains.Accounts.GetAccount(0, null)); // account_not_found otherwise
            Listed = await listings.KeysAsync(account);
        }
    }

    public async Task<IActionResult> OnPostRevokeAsync([FromForm] string? keyId)
    {
        var view = await grains.RevokeKeyAsync(Ids.Key(keyId ?? ""), Accounts.AccountModel.Actor);
        return Redirect($"{OperatorConsole.PathPrefix}/keys?key={view.KeyId}&revoked=true");
    }
}
