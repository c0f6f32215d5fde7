using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Dashboard;

/// <summary>Without a session nothing of the operator console or the Orleans dashboard is served; sign-in is rate-limited.</summary>
[Collection("postgres")]
public sealed partial class DashboardSignInTests(PostgresFixture postgres) : IAsyncLifetime
{
    private OperatorStack _stack = null!;

    public static readonly string[] PagePaths =
    [
        "/ops", "/ops/accounts", "/ops/accounts?prefix=acme", "/ops/accounts/acme-corp",
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
}
