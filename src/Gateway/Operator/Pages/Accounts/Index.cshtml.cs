using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;

namespace Tollgate.Gateway.Operator.Pages.Accounts;

/// <summary>Accounts in id order, searched by id prefix, a page at a time (the listing <c>GET /admin/accounts</c> serves).</summary>
public sealed class IndexModel(AdminListings listings) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)]
    public string? Prefix { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    public AccountList Accounts { get; private set; } = null!;

    public async Task OnGetAsync()
    {
        Prefix = string.IsNullOrWhiteSpace(Prefix) ? null : Prefix.Trim();
        if (Prefix is not null && !Ids.IsAccount(Prefix))
            throw ApiException.BadRequest("invalid_query", "Search by the start of an account id: letters, digits and . _ : @ -");
        if (After is not null && !Ids.IsAccount(After)) throw ApiException.BadRequest("invalid_query", "'after' must be an account id.");
        Accounts = await listings.AccountsAsync(Prefix, After, PageSize);
    }
}
