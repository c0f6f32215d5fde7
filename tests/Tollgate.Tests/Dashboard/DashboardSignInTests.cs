using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Dashboard;

/// <summary>Without a session nothing of the operator console or the Orleans dashboard is served; sign-in is rate-limited.</summary>
public sealed class DashboardSignInTests(PostgresFixture postgres) : IAsyncLifetime, IClassFixture<PostgresFixture>
{
    private OperatorStack _stack = null!;

    public static readonly string[] PagePaths =
    [
        "/ops", "/ops/accounts", "/ops/accounts?prefix=acme", "/ops/accounts/acme-corp", "/ops/keys", "/ops/keys?account=acme-corp", "/ops/models",
        "/ops/keys?key=0123456789abcdef", "/ops/models?model=gpt-4o-mini", "/ops/ips", "/ops/usage", "/ops/usage?period=day&group_by=model",
        "/ops/webhooks", "/ops/webhooks?endpoint=we_000000000000000000000000",
    ];

    public static readonly string[] DashboardPaths =
    [
        "/dashboard", "/dashboard/", "/dashboard/index.html", "/dashboard/index.min.js", "/dashboard/index.css", "/dashboard/favicon.ico",
        "/dashboard/fonts/x.woff", "/dashboard/img/x.png", "/dashboard/version", "/dashboard/DashboardCounters", "/dashboard/ClusterStats",
        "/dashboard/Reminders", "/dashboard/Reminders/1", "/dashboard/HistoricalStats/127.0.0.1:11111@1", "/dashboard/SiloProperties/x",
        "/dashboard/SiloMetadata/x", "/dashboard/SiloStats/x", "/dashboard/SiloCounters/x", "/dashboard/GrainStats/x", "/dashboard/TopGrainMethods",
        "/dashboard/GrainState?grainId=x&grainType=y", "/dashboard/LifecycleStages", "/dashboard/GrainTypes", "/dashboard/Trace",
    ];

    public async Task InitializeAsync() => _stack = await OperatorStack.StartAsync(postgres, traffic: false);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Every_page_and_dashboard_path_redirects_a_browser_to_sign_in_and_refuses_other_callers()
    {
        using var client = _stack.Anonymous();
        foreach (var path in PagePaths.Concat(DashboardPaths))
        {
            using var page = new HttpRequestMessage(HttpMethod.Get, path);
            page.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
            using var asPage = await client.SendAsync(page);
            var body = await asPage.Content.ReadAsStringAsync();
            Assert.True(asPage.StatusCode == HttpStatusCode.Redirect, $"GET {path} as a page: {(int)asPage.StatusCode} {body[..Math.Min(300, body.Length)]}");
            Assert.StartsWith("/ops/signin", asPage.Headers.Location!.PathAndQuery);

            using var asApi = await client.GetAsync(path);
            OperatorStack.AssertStatus(HttpStatusCode.Unauthorized, asApi, $"GET {path} without HTML");
        }
    }

    [Fact]
    public void Every_endpoint_that_needs_a_session_is_under_the_consoles_paths_where_its_sign_in_middleware_runs()
    {
        var guarded = _stack.Cluster.GatewayServices().GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<IAuthorizeData>() is not null && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .Select(endpoint => "/" + endpoint.RoutePattern.RawText!.TrimStart('/')).ToList();
        Assert.Contains("/ops/accounts", guarded);
        Assert.Contains(guarded, route => route.StartsWith("/dashboard/", StringComparison.Ordinal));
        Assert.All(guarded, route => Assert.True(OperatorConsole.IsConsole(route), $"{route} needs a session but is not a console path"));
    }

    [Fact]
    public async Task The_root_sends_a_browser_to_the_console_and_an_api_client_still_gets_the_json_404()
    {
        using var client = _stack.Anonymous();
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            using var page = new HttpRequestMessage(method, "/");
            page.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"); // as a browser sends it
            using var asPage = await client.SendAsync(page);
            OperatorStack.AssertStatus(HttpStatusCode.Redirect, asPage, $"{method} / as a page");
            Assert.Equal("/ops", asPage.Headers.Location!.OriginalString);
        }

        foreach (var accept in new[] { null, "application/json", "*/*" })
        {
            using var api = new HttpRequestMessage(HttpMethod.Get, "/");
            if (accept is not null) api.Headers.Accept.ParseAdd(accept);
            using var asApi = await client.SendAsync(api);
            OperatorStack.AssertStatus(HttpStatusCode.NotFound, asApi, $"GET / accepting {accept ?? "anything"}");
            Assert.Contains("\"not_found\"", await asApi.Content.ReadAsStringAsync());
        }

        // Only the root: any other unknown path is the JSON 404 for a browser too.
        using var elsewhere = new HttpRequestMessage(HttpMethod.Get, "/nothing-here");
        elsewhere.Headers.Accept.ParseAdd("text/html");
        using var unknown = await client.SendAsync(elsewhere);
        OperatorStack.AssertStatus(HttpStatusCode.NotFound, unknown, "GET /nothing-here as a page");
    }

    [Fact]
    public async Task The_admin_token_opens_a_session_cookie_that_is_http_only_and_same_site_and_sign_out_makes_the_browser_drop_it()
    {
        var (client, cookies) = Browser();
        using var _ = client;
        using var signedIn = await PostFormAsync(client, "/ops/signin?returnUrl=%2Fops%2Faccounts", new() { ["token"] = TestCluster.AdminToken });
        OperatorStack.AssertStatus(HttpStatusCode.Redirect, signedIn, "sign-in");
        Assert.Equal("/ops/accounts", signedIn.Headers.Location!.OriginalString);
        var session = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("tollgate_ops=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("httponly", session);
        Assert.Contains("samesite=strict", session);
        Assert.DoesNotContain("secure", session); // served over plain HTTP here; over HTTPS the cookie is Secure
        Assert.DoesNotContain(TestCluster.AdminToken, session);
        Assert.NotNull(SessionCookie(cookies));

        using var accounts = await client.GetAsync("/ops/accounts");
        OperatorStack.AssertStatus(HttpStatusCode.OK, accounts, "a page with the session");
        using var dashboard = await client.GetAsync("/dashboard/version");
        OperatorStack.AssertStatus(HttpStatusCode.OK, dashboard, "the dashboard with the session");
        using var trace = await client.GetAsync("/dashboard/Trace");
        Assert.NotEqual(HttpStatusCode.OK, trace.StatusCode); // the live log stream is off
        using var admin = await client.GetAsync("/admin/accounts");
        OperatorStack.AssertStatus(HttpStatusCode.Unauthorized, admin, "the admin API with only the session cookie (it takes the bearer token)");

        // Sign-out expires the cookie, so the browser sends no session after it (and the server ends the session: OperatorSessionTests).
        using var signedOut = await PostFormAsync(client, "/ops/signout", []);
        OperatorStack.AssertStatus(HttpStatusCode.Redirect, signedOut, "sign-out");
        Assert.Null(SessionCookie(cookies));
        using var after = await client.GetAsync("/ops/accounts");
        OperatorStack.AssertStatus(HttpStatusCode.Redirect, after, "a page after sign-out (back to the sign-in page)");
    }

    private Cookie? SessionCookie(CookieContainer cookies) => OperatorBrowser.SessionCookie(cookies, _stack.Address);

    [Fact]
    public async Task A_wrong_token_is_refused_a_form_without_its_antiforgery_token_is_refused_and_attempts_are_rate_limited()
    {
        var (client, _) = Browser();
        using var __ = client;
        using (var forged = new HttpRequestMessage(HttpMethod.Post, "/ops/signin") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = TestCluster.AdminToken }) })
        using (var response = await client.SendAsync(forged))
            OperatorStack.AssertStatus(HttpStatusCode.BadRequest, response, "a sign-in without the form's antiforgery token"); // attempt 1
        for (var attempt = 2; attempt <= 5; attempt++)
        {
            using var wrong = await PostFormAsync(client, "/ops/signin", new() { ["token"] = "not-the-token" });
            OperatorStack.AssertStatus(HttpStatusCode.Unauthorized, wrong, $"wrong token, attempt {attempt}");
            Assert.Contains("not the admin token", await wrong.Content.ReadAsStringAsync());
            Assert.DoesNotContain(wrong.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("tollgate_ops=", StringComparison.Ordinal)));
        }
        using var limited = await PostFormAsync(client, "/ops/signin", new() { ["token"] = TestCluster.AdminToken });
        OperatorStack.AssertStatus(HttpStatusCode.TooManyRequests, limited, "the sixth attempt in a minute, even with the right token");
        Assert.NotNull(limited.Headers.RetryAfter);
        using var form = await client.GetAsync("/ops/signin");
        OperatorStack.AssertStatus(HttpStatusCode.OK, form, "showing the form is not limited");
    }

    [Fact]
    public async Task Forms_of_the_pages_are_refused_without_a_session_or_without_their_antiforgery_token()
    {
        using var anonymous = _stack.Anonymous();
        string[] forms =
        [
            "/ops/accounts/acme-corp?handler=Adjust", "/ops/accounts/acme-corp?handler=Status", "/ops/accounts/acme-corp?handler=Revoke", "/ops/signout",
            "/ops/accounts/acme-corp?handler=SetBudget", "/ops/accounts/acme-corp?handler=DeleteBudget", "/ops/accounts/acme-corp?handler=CreateGrant",
            "/ops/accounts/acme-corp?handler=VoidGrant", "/ops/accounts/acme-corp?handler=TimeZone", "/ops/accounts/acme-corp?handler=Alerts",
            "/ops/keys?key=0123456789abcdef&handler=SetBudget", "/ops/keys?key=0123456789abcdef&handler=SetModels", "/ops/keys?key=0123456789abcdef&handler=ClearModels",
            "/ops/webhooks?handler=Create", "/ops/webhooks?handler=Test", "/ops/webhooks?handler=Delete",
        ];
        foreach (var path in forms)
        {
            using var response = await anonymous.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["amount"] = "5", ["reason"] = "x", ["idempotencyKey"] = "k", ["status"] = "suspended" }));
            OperatorStack.AssertStatus(HttpStatusCode.Unauthorized, response, $"POST {path} without a session");
        }
        await MeteringCalls.CreateAccountAsync(_stack.Cluster.Admin, "acme-corp", 1_000_000_000);
        var (client, _) = Browser();
        using var ___ = client;
        using (await PostFormAsync(client, "/ops/signin", new() { ["token"] = TestCluster.AdminToken })) { }
        using var forged = await client.PostAsync("/ops/accounts/acme-corp?handler=Adjust",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["amount"] = "5", ["reason"] = "forged", ["idempotencyKey"] = "forged-1" }));
        OperatorStack.AssertStatus(HttpStatusCode.BadRequest, forged, "an adjustment posted without the form's antiforgery token");
        var account = await _stack.Cluster.Grains.GetGrain<Tollgate.Grains.Accounts.IAccountGrain>("acme-corp").Get(new(10, null));
        Assert.Equal(1_000_000_000, account.Balance);

        using var bad = await PostFormAsync(client, "/ops/accounts/acme-corp?handler=Adjust", new() { ["amount"] = "lots", ["reason"] = "x", ["idempotencyKey"] = "k-1" }, "/ops/accounts/acme-corp");
        OperatorStack.AssertStatus(HttpStatusCode.BadRequest, bad, "an amount that is not dollars");
        using var badId = await client.GetAsync("/ops/accounts/bad%20id%3Cscript%3E");
        OperatorStack.AssertStatus(HttpStatusCode.BadRequest, badId, "an account id that is not one");
        Assert.DoesNotContain("<script>", await badId.Content.ReadAsStringAsync());
        using var missing = await client.GetAsync("/ops/accounts/no-such-account");
        OperatorStack.AssertStatus(HttpStatusCode.NotFound, missing, "an account that does not exist");
    }

    /// <summary>A client that keeps cookies (as a browser does) and follows no redirects.</summary>
    private (HttpClient Client, CookieContainer Cookies) Browser() => OperatorBrowser.Open(_stack.Address);

    private static Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, Dictionary<string, string> fields, string? formPage = null) =>
        OperatorBrowser.PostFormAsync(client, path, fields, formPage);
}
