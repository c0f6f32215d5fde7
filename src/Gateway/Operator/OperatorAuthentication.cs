using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Tollgate.Gateway.Operator;

/// <summary>
/// Sign-in for the operator pages and the Orleans dashboard: a session cookie (HttpOnly, SameSite=Strict, Secure when
/// the request is HTTPS) opened by the admin token; antiforgery tokens on every form; sign-in attempts limited per
/// client IP. A page asked for without a session redirects to the sign-in page; anything else (the dashboard's
/// data calls, an API client) gets a 401.
/// </summary>
internal static class OperatorAuthentication
{
    public const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string Policy = "operator";
    public const string SignInPath = "/ops/signin";
    public const string CookieName = "tollgate_ops";

    public static void AddOperatorAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var tokens = new AdminTokenCheck(configuration["Admin:Token"]);
        services.AddSingleton(tokens);
        services.AddSingleton<OperatorSessions>();
        services.AddSharedKeyRing(configuration["Admin:Token"]);
        var settings = configuration.GetSection("Operator");
        // No default scheme, not even the single one ASP.NET Core would make the default: the console's policy names its scheme,
        // and the metering and admin APIs check bearer tokens of their own; a default scheme made every one of their calls read
        // a session cookie (about 2 % of the bench process's CPU samples on its uniform row).
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.Cookie.Path = "/";
            cookie.ExpireTimeSpan = settings.GetValue<TimeSpan?>("SessionLifetime") ?? TimeSpan.FromHours(8);
            cookie.SlidingExpiration = true;
            cookie.LoginPath = SignInPath;
            cookie.LogoutPath = "/ops/signout";
            cookie.AccessDeniedPath = SignInPath;
            cookie.Events.OnRedirectToLogin = context => Challenge(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => Challenge(context, StatusCodes.Status403Forbidden);
            cookie.Events.OnValidatePrincipal = async context =>
            {
                // A session opened with another token (rotated since, or removed) is over; so is one signed out, on any gateway.
                var sessions = context.HttpContext.RequestServices.GetRequiredService<OperatorSessions>();
                if (!tokens.Configured || context.Principal?.FindFirst(AdminTokenCheck.StampClaim)?.Value != tokens.SessionStamp
                    || !await sessions.IsOpenAsync(context.Principal?.FindFirst(OperatorSessions.SessionClaim)?.Value, context.Options.ExpireTimeSpan))
                    context.RejectPrincipal();
            };
        });
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "tollgate_ops_af";
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            antiforgery.FormFieldName = "__csrf";
            antiforgery.HeaderName = null;
        });
        var perMinute = settings.GetValue<int?>("SignInAttemptsPerMinute") ?? 5;
        services.AddSingleton(_ => new SignInAttempts(perMinute)); // made by the container, so disposed with it
    }

    /// <summary>Signs the admin in: a session, remembered server-side, bound to the token in force now.</summary>
    public static async Task SignInAsync(HttpContext http, AdminTokenCheck tokens)
    {
        var lifetime = http.RequestServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(Scheme).ExpireTimeSpan;
        var session = await http.RequestServices.GetRequiredService<OperatorSessions>().OpenAsync(lifetime);
        var identity = new System.Security.Claims.ClaimsIdentity(
            [new(System.Security.Claims.ClaimTypes.Name, "admin"), new(AdminTokenCheck.StampClaim, tokens.SessionStamp), new(OperatorSessions.SessionClaim, session)], Scheme);
        await http.SignInAsync(Scheme, new System.Security.Claims.ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
    }

    /// <summary>Ends the session on every gateway, and tells the browser to drop its cookie.</summary>
    public static async Task SignOutAsync(HttpContext http)
    {
        await http.RequestServices.GetRequiredService<OperatorSessions>().EndAsync(http.User.FindFirst(OperatorSessions.SessionClaim)?.Value);
        await http.SignOutAsync(Scheme);
    }

    private static Task Challenge(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        var request = context.Request;
        var wantsPage = HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
        if (wantsPage) context.Response.Redirect(context.RedirectUri);
        else context.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
