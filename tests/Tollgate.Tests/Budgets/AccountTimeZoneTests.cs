using System.Net;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Budgets;

/// <summary>An account's time zone, which its calendar budgets follow: set through the admin API, kept with the account.</summary>
public sealed class AccountTimeZoneTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task An_account_keeps_its_iana_time_zone_across_a_silo_restart_and_null_sets_it_back_to_utc()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000);
        Assert.Equal("UTC", await ZoneAsync(cluster, "acme")); // none set: UTC

        using (var set = await cluster.Admin.PutAsync("/admin/accounts/acme/time_zone", Json("""{"time_zone":"Europe/Berlin","actor":"ops"}""")))
            Assert.Equal("Europe/Berlin", (await ReadAsync(set)).GetProperty("time_zone").GetString());
        Assert.Equal("Europe/Berlin", await Ledger.TextAsync(database, "SELECT time_zone FROM accounts WHERE account_id = 'acme'"));

        await cluster.StopSiloAsync();
        await cluster.StartSiloAsync();
        Assert.Equal("Europe/Berlin", await ZoneAsync(cluster, "acme"));
        Assert.Equal(1_000, (await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/acme"))).GetProperty("balance").GetInt64()); // the rest of the row as it was

        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/time_zone", """{"time_zone":null}""");
        Assert.Equal("UTC", await ZoneAsync(cluster, "acme"));
        Assert.Null(await Ledger.TextAsync(database, "SELECT time_zone FROM accounts WHERE account_id = 'acme'"));
    }

    [Theory]
    [InlineData("""{"time_zone":"Mars/Olympus_Mons"}""", HttpStatusCode.BadRequest, "invalid_time_zone")]
    [InlineData("""{"time_zone":"W. Europe Standard Time"}""", HttpStatusCode.BadRequest, "invalid_time_zone")] // a Windows id
    [InlineData("""{"time_zone":"../../etc/passwd"}""", HttpStatusCode.BadRequest, "invalid_time_zone")]
    [InlineData("""{"time_zone":7}""", HttpStatusCode.BadRequest, "invalid_field")]
    [InlineData("""{}""", HttpStatusCode.BadRequest, "missing_field")]
    [InlineData("""{"time_zone":"UTC","zone":"x"}""", HttpStatusCode.BadRequest, "unknown_field")]
    public async Task A_time_zone_that_is_not_an_iana_one_is_refused_and_changes_nothing(string body, HttpStatusCode status, string code)
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await CreateAccountAsync(cluster.Admin, "acme", 0);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/acme/time_zone", """{"time_zone":"America/New_York"}""");

        await AssertErrorAsync(await cluster.Admin.PutAsync("/admin/accounts/acme/time_zone", Json(body)), status, code);
        Assert.Equal("America/New_York", await ZoneAsync(cluster, "acme"));
        await AssertErrorAsync(await cluster.Admin.PutAsync("/admin/accounts/nobody/time_zone", Json("""{"time_zone":"UTC"}""")), HttpStatusCode.NotFound, "account_not_found");
    }

    private static async Task<string?> ZoneAsync(TestCluster cluster, string account) =>
        (await ReadAsync(await cluster.Admin.GetAsync($"/admin/accounts/{account}"))).GetProperty("time_zone").GetString();
}
