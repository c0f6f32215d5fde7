using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Tollgate.Gateway.Operator.Pages;

/// <summary>The sign-in form: the admin token opens a session. Attempts are rate-limited per client IP (<see cref="SignInAttempts"/>).</summary>
public sealed class SignInModel(AdminTokenCheck tokens, ILogger<SignInModel> logger) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public void OnGet()
    {
        if (!tokens.Configured) Error = "Sign-in is disabled: no Admin:Token is configured on this gateway.";
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? token)
    {
        if (!tokens.Matches(token))
        {
            // Who tried, never what they typed.
            logger.LogWarning("Operator sign-in refused from {RemoteIp}", HttpContext.Connection.RemoteIpAddress);
            Error = tokens.Configured ? "That is not the admin token." : "Sign-in is disabled: no Admin:Token is configured on this gateway.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }
        await OperatorAuthentication.SignInAsync(HttpContext, tokens);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : OperatorConsole.PathPrefix);
    }
}
