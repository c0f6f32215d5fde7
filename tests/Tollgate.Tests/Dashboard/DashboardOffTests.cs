using System.Net;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Dashboard;

/// <summary>
/// Silos that do not feed the Orleans dashboard (<c>Silo:Dashboard</c>'s default): the gateway still serves the console, and
/// each of the dashboard's data calls answers a clear 404 instead of failing with a 500.
/// </summary>
public sealed class DashboardOffTests(PostgresFixture postgres) : IAsyncLifetime, IClassFixture<PostgresFixture>
{
    private OperatorStack _stack = null!;

    public async Task InitializeAsync() => _stack = await OperatorStack.StartAsync(postgres, traffic: false, dashboard: false);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task The_dashboards_data_calls_answer_dashboard_off_and_the_console_still_works()
    {
        var (client, _) = OperatorBrowser.Open(_stack.Address);
        using var _ = client;
        using (var signedIn = await OperatorBrowser.PostFormAsync(client, "/ops/signin", new() { ["token"] = TestCluster.AdminToken }))
            OperatorStack.AssertStatus(HttpStatusCode.Redirect, signedIn, "sign-in");

        foreach (var path in new[] { "/dashboard/DashboardCounters", "/dashboard/ClusterStats", "/dashboard/TopGrainMethods", "/dashboard/SiloStats/x" })
        {
            using var response = await client.GetAsync(path);
            OperatorStack.AssertStatus(HttpStatusCode.NotFound, response, $"GET {path}");
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var error = body.RootElement.GetProperty("error");
            Assert.Equal("dashboard_off", error.GetProperty("code").GetString());
            Assert.Contains("Silo:Dashboard=true", error.GetProperty("message").GetString());
        }

        using var page = await client.GetAsync("/dashboard/");
        OperatorStack.AssertStatus(HttpStatusCode.OK, page, "the dashboard's page (its data calls say why they are empty)");
        using var console = await client.GetAsync("/ops");
        OperatorStack.AssertStatus(HttpStatusCode.OK, console, "the console's overview");
    }
}
