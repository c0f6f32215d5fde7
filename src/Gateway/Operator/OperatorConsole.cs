using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Tollgate.Gateway.Operator;
using Tollgate.Gateway.Proxy;

namespace Tollgate.Gateway;

/// <summary>
/// The operator console on the gateway: server-rendered pages under <c>/ops</c> (Razor Pages, no scripts) and the
/// Orleans dashboard under <c>/dashboard</c>, both behind the admin sign-in (see <see cref="OperatorAuthentication"/>).
/// The pages read and write through the same code as the admin and usage APIs.
/// </summary>
public static class OperatorConsole
{
    public const string PathPrefix = "/ops";

    public static void AddOperatorConsole(this WebApplicationBuilder builder)
    {
        builder.Services.AddOperatorAuthentication(builder.Configuration);
        builder.Services.AddRazorPages(pages =>
        {
            pages.RootDirectory = "/Operator/Pages";
            pages.Conventions.AuthorizeFolder("/", OperatorAuthentication.Policy);
            pages.Conventions.AllowAnonymousToPage("/SignIn");
            pages.Conventions.ConfigureFilter(new OperatorErrorFilter());
        }).ConfigureApplicationPartManager(parts =>
        {
            // The pages are compiled into the gateway's assembly, which is not the entry assembly when a test hosts the gateway.
            var gateway = typeof(OperatorConsole).Assembly;
            if (parts.ApplicationParts.Any(part => part.Name == gateway.GetName().Name)) return;
            foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(gateway).GetApplicationParts(gateway)) parts.ApplicationParts.Add(part);
        });
        builder.Services.AddOrleansDashboardUi(builder.Configuration);
    }

    /// <summary>Adds the sign-in middleware and maps the pages and the dashboard. Call after the error handling middleware.</summary>
    public static void MapOperatorConsole(this WebApplication app)
    {
        // Only the console's paths run its middleware: the API's requests (a metered pair is two) skip five layers of it.
        app.UseWhen(static context => IsConsole(context.Request.Path), console =>
        {
            console.Use(static (context, next) =>
            {
                ForwardedByTrustedProxy(context, context.RequestServices.GetRequiredService<ProxySettings>().CallerIp);
                return next(context);
            });
            console.UseAuthentication();
            console.UseAuthorization();
            console.Use(static (context, next) => SignInAttempts.Limit(context, next));
            console.Use(static (context, next) =>
            {
                if (context.Request.Path.StartsWithSegments(PathPrefix))
                {
                    // The pages run no script at all: a script that got into one (it should not: all output is encoded) would not run.
                    var headers = context.Response.Headers;
                    headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
                    headers.XContentTypeOptions = "nosniff";
                    headers["Referrer-Policy"] = "same-origin";
                    headers.CacheControl = "no-store";
                }
                return next(context);
            });
        });
        // WebApplication puts authentication and authorization in front of the whole pipeline unless its own builder says they
        // were added, and the branch's marks stay in the branch (UseWhen copies the properties): say so here, or every API
        // request would run the cookie handler. Every endpoint that needs a session is under the console's paths (a test checks).
        var root = ((IApplicationBuilder)app).Properties;
        root["__AuthenticationMiddlewareSet"] = true;
        root["__AuthorizationMiddlewareSet"] = true;
        app.MapRazorPages().ExcludeFromDescription(); // pages for browsers, not the API
        app.MapOrleansDashboardUi();
    }

    /// <summary>Whether a path is the console's or the dashboard's: only these run the sign-in middleware.</summary>
    public static bool IsConsole(PathString path) => path.StartsWithSegments(PathPrefix) || path.StartsWithSegments("/dashboard");

    /// <summary>
    /// Behind a trusted proxy (<c>Proxy:TrustedProxies</c>) the console sees the browser's address (for the sign-in limiter
    /// and the logs) and its scheme, so cookies are Secure when the browser used HTTPS. Anyone else's headers are ignored.
    /// </summary>
    private static void ForwardedByTrustedProxy(HttpContext context, CallerIp callers)
    {
        var peer = context.Connection.RemoteIpAddress;
        if (!callers.Trusts(peer)) return;
        context.Connection.RemoteIpAddress = callers.Resolve(peer, context.Request.Headers["X-Forwarded-For"]);
        // The right-most scheme is the one the trusted proxy saw.
        var scheme = context.Request.Headers["X-Forwarded-Proto"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (scheme is "https" or "http") context.Request.Scheme = scheme;
    }
}
