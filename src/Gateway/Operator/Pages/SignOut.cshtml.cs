using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Tollgate.Gateway.Operator.Pages;

/// <summary>Ends the session (a POST with the form's antiforgery token; a GET only shows where to go).</summary>
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => LocalRedirect(OperatorConsole.PathPrefix);

    public async Task<IActionResult> OnPostAsync()
    {
        await OperatorAuthentication.SignOutAsync(HttpContext);
        return LocalRedirect(OperatorAuthentication.SignInPath);
    }
}
