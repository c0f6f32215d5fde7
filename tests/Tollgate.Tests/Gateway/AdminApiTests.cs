using System.Net;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;

namespace Tollgate.Tests.Gateway;

/// <summary>The admin API's accounts: its token, bodies, answers and refusals. The cases share one cluster, each with accounts of its own.</summary>
public sealed class AdminApiTests(SharedCluster shared) : IClassFixture<SharedCluster>
{
    private readonly TestCluster _cluster = shared.Cluster;

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token")]
    [InlineData("Basic dGVzdDp0ZXN0")]
    [InlineData("Bearer ")]
    public async Task Admin_calls_without_the_right_token_are_401(string? authorization)
    {
        foreach (var (method, path) in new[] { ("GET", "/admin/accounts/a"), ("POST", "/admin/accounts"), ("POST", "/admin/accounts/a/adjustments") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Json("""{"account_id":"a"}""") };
            if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
            using var response = await _cluster.Gateway.SendAsync(request);
            await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        }
    }

    [Theory]
    [InlineData("""{"account_id":""", "malformed_json")]
    [InlineData("""[1,2]""", "malformed_json")]
    [InlineData("", "malformed_json")]
    [InlineData("""{}""", "missing_field")]
    [InlineData("""{"account_id":"bad id!"}""", "invalid_account_id")]
    [InlineData("""{"account_id":42}""", "invalid_field")]
    [InlineData("""{"account_id":"a","initial_credit":-1}""", "invalid_amount")]
    [InlineData("""{"account_id":"a","initial_credit":12.5}""", "invalid_amount")]
    [InlineData("""{"account_id":"a","initial_credit":"100"}""", "invalid_amount")]
    [InlineData("""{"account_id":"a","initial_credit":1e30}""", "amount_out_of_range")]
    [InlineData("""{"account_id":"a","initial_credit":9223372036854775807}""", "amount_out_of_range")]
    [InlineData("""{"account_id":"a","initial_credit":99999999999999999999999999999}""", "amount_out_of_range")]
    [InlineData("""{"account_id":"a","overdraft_limit":-5}""", "invalid_amount")]
    [InlineData("""{"account_id":"a","initial_credits":5}""", "unknown_field")]
    public async Task Creating_an_account_with_bad_input_is_a_400_with_a_clear_code(string body, string code)
    {
        using var response = await _cluster.Admin.PostAsync("/admin/accounts", Json(body));
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task An_oversized_body_is_refused()
    {
        var huge = $$"""{"account_id":"a","actor":"{{new string('x', 70_000)}}"}""";
        using var response = await _cluster.Admin.PostAsync("/admin/accounts", Json(huge));
        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "body_too_large");
    }

    [Fact]
    public async Task Create_read_and_adjust_an_account()
    {
        using (var created = await _cluster.Admin.PostAsync("/admin/accounts", Json("""{"account_id":"acme","initial_credit":5000,"overdraft_limit":100}""")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var account = await ReadAsync(created);
            Assert.Equal(5000, account.GetProperty("balance").GetInt64());
            Assert.Equal(100, account.GetProperty("overdraft_limit").GetInt64());
        }
        using (var again = await _cluster.Admin.PostAsync("/admin/accounts", Json("""{"account_id":"acme"}""")))
            await AssertErrorAsync(again, HttpStatusCode.Conflict, "account_exists");

        for (var i = 0; i < 3; i++)
        {
            using var credit = await _cluster.Admin.PostAsync("/admin/accounts/acme/adjustments",
                Json($$"""{"amount":{{1000 * (i + 1)}},"reason":"top-up {{i}}","actor":"ops@example.com","idempotency_key":"t{{i}}"}"""));
            Assert.Equal(HttpStatusCode.OK, credit.StatusCode);
        }
        using (var header = new HttpRequestMessage(HttpMethod.Post, "/admin/accounts/acme/adjustments")
        {
            Content = Json("""{"amount":-500,"reason":"refund reversal","actor":"ops"}"""),
            Headers = { { "Idempotency-Key", "h1" } },
        })
        {
            using var debit = await _cluster.Admin.SendAsync(header);
            Assert.Equal(4500 + 6000, (await ReadAsync(debit)).GetProperty("balance_after").GetInt64());
        }

        var page1 = await ReadAsync(await _cluster.Admin.GetAsync("/admin/accounts/acme?ledger_limit=3"));
        Assert.Equal(10_500, page1.GetProperty("balance").GetInt64());
        Assert.Equal(["h1", "t2", "t1"], page1.GetProperty("ledger").EnumerateArray().Select(e => e.GetProperty("key").GetString()));
        var next = page1.GetProperty("ledger_next_before").GetInt64();
        var page2 = await ReadAsync(await _cluster.Admin.GetAsync($"/admin/accounts/acme?ledger_limit=3&ledger_before={next}"));
        Assert.Equal(["t0", "initial"], page2.GetProperty("ledger").EnumerateArray().Select(e => e.GetProperty("key").GetString()));
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("ledger_next_before").ValueKind);
    }

    [Theory]
    [InlineData("""{"amount":0,"reason":"r","actor":"a","idempotency_key":"k"}""", HttpStatusCode.BadRequest, "invalid_amount")]
    [InlineData("""{"amount":5,"reason":"r","actor":"a"}""", HttpStatusCode.BadRequest, "missing_idempotency_key")]
    [InlineData("""{"amount":5,"actor":"a","idempotency_key":"k"}""", HttpStatusCode.BadRequest, "missing_field")]
    [InlineData("""{"amount":5,"reason":"r","idempotency_key":"k"}""", HttpStatusCode.BadRequest, "missing_field")]
    [InlineData("""{"amount":-1000000000000000,"reason":"r","actor":"a","idempotency_key":"k"}""", HttpStatusCode.Conflict, "insufficient_credit")]
    [InlineData("""{"amount":-1000000000000001,"reason":"r","actor":"a","idempotency_key":"k"}""", HttpStatusCode.BadRequest, "amount_out_of_range")]
    [InlineData("""{"amount":null,"reason":"r","actor":"a","idempotency_key":"k"}""", HttpStatusCode.BadRequest, "missing_field")]
    public async Task Bad_adjustments_are_refused_with_a_clear_code(string body, HttpStatusCode status, string code)
    {
        var id = SharedCluster.UniqueId("adj");
        await MeteringCalls.CreateAccountAsync(_cluster.Admin, id, 10);
        using var response = await _cluster.Admin.PostAsync($"/admin/accounts/{id}/adjustments", Json(body));
        await AssertErrorAsync(response, status, code);
        var account = await ReadAsync(await _cluster.Admin.GetAsync($"/admin/accounts/{id}"));
        Assert.Equal(10, account.GetProperty("balance").GetInt64()); // nothing half-applied
    }

    [Fact]
    public async Task Unknown_accounts_and_bad_queries_are_4xx()
    {
        await AssertErrorAsync(await _cluster.Admin.GetAsync("/admin/accounts/nobody"), HttpStatusCode.NotFound, "account_not_found");
        await AssertErrorAsync(await _cluster.Admin.PostAsync("/admin/accounts/nobody/adjustments",
            Json("""{"amount":5,"reason":"r","actor":"a","idempotency_key":"k"}""")), HttpStatusCode.NotFound, "account_not_found");
        await AssertErrorAsync(await _cluster.Admin.GetAsync("/admin/accounts/x?ledger_limit=abc"), HttpStatusCode.BadRequest, "invalid_query");
        await AssertErrorAsync(await _cluster.Admin.GetAsync("/admin/accounts/x?ledger_limit=501"), HttpStatusCode.BadRequest, "invalid_query");
        await AssertErrorAsync(await _cluster.Admin.GetAsync("/admin/accounts/x?ledger_before=-1"), HttpStatusCode.BadRequest, "invalid_query");
        await AssertErrorAsync(await _cluster.Admin.GetAsync("/admin/accounts/" + new string('a', 129)), HttpStatusCode.BadRequest, "invalid_account_id");
        await AssertErrorAsync(await _cluster.Admin.GetAsync("/admin/nothing-here"), HttpStatusCode.NotFound, "not_found");
    }
}
