using System.Net;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;

namespace Tollgate.Tests.Metering;

/// <summary>A bad <c>GET /api/usage</c> is a 400 with a stable code, never SQL. The cases share one cluster: they only read.</summary>
public sealed class BadUsageQueryTests(SharedCluster shared) : IClassFixture<SharedCluster>
{
    [Theory]
    [InlineData("group_by=created_at", "invalid_group_by")]
    [InlineData("group_by=model;DROP%20TABLE%20usage_events", "invalid_group_by")]
    [InlineData("group_by=model)%20UNION%20SELECT%201--", "invalid_group_by")]
    [InlineData("group_by=model&group_by=ip", "repeated_parameter")]
    [InlineData("period=week", "invalid_period")]
    [InlineData("period=day&since=2026-01-01T00:00:00Z", "conflicting_parameters")]
    [InlineData("since=yesterday", "invalid_timestamp")]
    [InlineData("since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "invalid_window")]
    [InlineData("limit=0", "invalid_limit")]
    [InlineData("order_by=cost", "unknown_parameter")]
    public async Task A_bad_usage_query_is_a_400_and_leaves_the_table_alone(string query, string code)
    {
        var (cluster, database) = (shared.Cluster, shared.Cluster.Database);
        using var response = await cluster.Admin.GetAsync($"/api/usage?{query}");
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, code);
        using var ok = await cluster.Admin.GetAsync("/api/usage?model=x'%20OR%20'1'='1");
        Assert.Equal(0, (await ReadAsync(ok)).GetProperty("totals").GetProperty("requests").GetInt64()); // a filter value is only ever a parameter
        Assert.Equal(0, await Ledger.ScalarAsync(database, "SELECT count(*) FROM usage_events"));
        using var anonymous = await cluster.Gateway.GetAsync("/api/usage");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
