using System.Net;
using System.Text;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Gateway;

/// <summary>
/// Bad input is a 4xx with a stable code at the edge, and never costs an account what it holds. The cases share a
/// cluster (each with accounts of its own) but for those that change it as a whole: they start their own.
/// </summary>
public sealed class BadInputTests(SharedCluster shared, PostgresFixture postgres) : IClassFixture<SharedCluster>, IClassFixture<PostgresFixture>
{
    private const long Price = 1_000_000; // 1 nano-USD a token
    private readonly TestCluster _shared = shared.Cluster;

    [Theory]
    [InlineData("/admin/accounts/{held}/adjustments", """{"amount":1,"reason":"\u0000","actor":"ops","idempotency_key":"n1"}""")]
    [InlineData("/admin/accounts/{held}/adjustments", """{"amount":1,"reason":"refund","actor":"o\u0000ps","idempotency_key":"n2"}""")]
    [InlineData("/admin/accounts/{held}/keys", """{"name":"a\u0000b"}""")]
    [InlineData("/admin/accounts/{held}/trial", """{"credit":5,"expires_at":"2099-01-01T00:00:00Z","actor":"\u0000"}""")]
    [InlineData("/admin/models/m1/prices", """{"input_per_million":1,"output_per_million":1,"actor":"\u0000"}""")]
    [InlineData("/admin/accounts", """{"account_id":"other","initial_credit":5,"actor":"\u0000"}""")]
    public async Task A_nul_in_a_text_field_is_a_400_and_the_account_keeps_its_holds(string path, string body)
    {
        var held = await HoldFiveAsync(_shared);

        using (var response = await _shared.Admin.PostAsync(path.Replace("{held}", held.Account, StringComparison.Ordinal), Json(body)))
            await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_field");

        await AssertStillHeldAsync(_shared, held);
    }

    [Theory]
    [InlineData("""{"request_id":"\ud800","account_id":"held","caller_ip":"198.51.100.1","model":"m1","estimated_input_tokens":1,"max_output_tokens":1}""")]
    [InlineData("""{"request_id":"r","account_id":"held","caller_ip":"198.51.100.1","model":"m1","estimated_input_tokens":1,"max_output_tokens":1,"\udc00":1}""")]
    public async Task A_lone_surrogate_is_a_400(string body)
    {
        var cluster = _shared;
        using (var response = await cluster.Metering.PostAsync("/v1/authorize", Json(body)))
            await AssertErrorAsync(response, HttpStatusCode.BadRequest, "malformed_json");
        using (var response = await cluster.Admin.PostAsync("/admin/accounts", Json("""{"account_id":"x1","actor":"\ud800"}""")))
            await AssertErrorAsync(response, HttpStatusCode.BadRequest, "malformed_json");
    }

    [Theory]
    [InlineData("""{"account_id":"x2","actor":"?"}""")]
    [InlineData("""{"account_id":"x2","actor":"a\n?"}""")] // with an escape, so it is decoded to be checked
    [InlineData("""{"account_id":"x2","?":"a"}""")]
    [InlineData("""{"account_id":"x2","\t?":"a"}""")]
    public async Task Invalid_utf8_is_a_400(string body)
    {
        var cluster = _shared;
        var bytes = Encoding.UTF8.GetBytes(body);
        bytes[Array.IndexOf(bytes, (byte)'?')] = 0xFF;
        using var response = await cluster.Admin.PostAsync("/admin/accounts", new ByteArrayContent(bytes));
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "malformed_json");
    }

    [Theory]
    [InlineData("a\u0000")]
    [InlineData("a\u202Eb")]
    [InlineData("a b")]
    public async Task A_crafted_reservation_id_is_a_400(string account)
    {
        var cluster = _shared;
        var token = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["a"] = account,
            ["k"] = null,
            ["i"] = "198.51.100.1",
            ["c"] = "198.51.100.1",
            ["m"] = "m1",
            ["r"] = "r1",
            ["pi"] = 1,
            ["po"] = 1,
            ["f"] = "credit",
            ["t"] = 1_700_000_000_000,
            ["h"] = "",
        });
        var id = "rsv1." + Convert.ToBase64String(Encoding.UTF8.GetBytes(token)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var response = await cluster.Metering.PostAsync("/v1/settle", Json($$"""{"reservation_id":"{{id}}","input_tokens":1,"output_tokens":1}"""));
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_reservation");
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_refused_before_it_is_read_whole()
    {
        var cluster = _shared;
        var body = new EndlessJson();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/accounts") { Content = new StreamContent(body) };
        request.Headers.TransferEncodingChunked = true;
        try
        {
            using var response = await cluster.Admin.SendAsync(request);
            await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "body_too_large");
        }
        catch (HttpRequestException)
        {
            // The gateway may close the connection once it has answered, while the client still sends.
        }
        // The gateway reads its 64 KiB and Kestrel reads away at most 1 MB more before it closes; the rest is in socket buffers.
        Assert.True(body.Sent < 10 * 1024 * 1024, $"{body.Sent} of 20 MB were read before the body was refused");
    }

    [Fact]
    public async Task A_denied_request_counts_as_a_denial_not_as_tokens_used()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await SetPriceAsync(cluster.Admin, "m1", Price, Price);
        await CreateAccountAsync(cluster.Admin, "poor", 10);
        Assert.Equal("insufficient_credit", Reason(await AuthorizeAsync(cluster.Metering, "big", account: "poor", input: 100_000)));

        await Eventually.TrueAsync(async () => await Ledger.ScalarAsync(database, "SELECT count(*) FROM usage_events WHERE denial IS NOT NULL") == 1,
            "the denial was not recorded");
        var totals = (await ReadAsync(await cluster.Admin.GetAsync("/api/usage?account=poor"))).GetProperty("totals");
        Assert.Equal(1, totals.GetProperty("denied").GetInt64());
        Assert.Equal(0, totals.GetProperty("input_tokens").GetInt64());
        Assert.Equal(0, totals.GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public async Task An_idle_gateway_applies_a_change_of_the_ip_defaults_to_its_first_request()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        var gateway = await cluster.AddGatewayAsync("--Metering:SettingsRefresh=00:00:01");
        await SetPriceAsync(cluster.Admin, "m1", Price, Price);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000);
        Assert.True(Allowed(await AuthorizeAsync(gateway, "before", account: "acme", ip: "203.0.113.1"))); // the gateway read the defaults: none

        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/ips/defaults/limits", """{"requests_per_minute":1}""");
        await Task.Delay(3_000); // idle for three refresh intervals

        Assert.True(Allowed(await AuthorizeAsync(gateway, "first", account: "acme", ip: "203.0.113.2")));
        Assert.Equal("rate_limited", Reason(await AuthorizeAsync(gateway, "second", account: "acme", ip: "203.0.113.2")));
    }

    [Fact]
    public async Task A_write_the_database_refuses_costs_the_account_nothing_it_holds()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var held = await HoldFiveAsync(cluster);
        // A write that can never commit, whatever the grain believes (as a NUL once was).
        await Ledger.ExecuteAsync(database, "ALTER TABLE ledger ADD CONSTRAINT refuse_poison CHECK (reason IS DISTINCT FROM 'poison')");

        using (var refused = await cluster.Admin.PostAsync($"/admin/accounts/{held.Account}/adjustments",
                   Json("""{"amount":1000000,"reason":"poison","actor":"ops","idempotency_key":"p1"}""")))
            await AssertErrorAsync(refused, HttpStatusCode.ServiceUnavailable, "storage_failed");

        await AssertStillHeldAsync(cluster, held);
        // And the account goes on: the next good write commits on the state that was committed.
        var adjusted = await ReadAsync(await cluster.Admin.PostAsync($"/admin/accounts/{held.Account}/adjustments",
            Json("""{"amount":7,"reason":"goodwill","actor":"ops","idempotency_key":"g1"}""")));
        Assert.Equal(held.Balance + 7, adjusted.GetProperty("balance_after").GetInt64());
        Assert.Equal(new Ledger.Totals(held.Balance + 7, held.Balance + 7, 2), await Ledger.ReadAsync(database, held.Account));
    }

    [Fact]
    public async Task A_wrong_method_is_405_with_allow_and_an_unknown_path_404()
    {
        var cluster = _shared;
        using (var response = await cluster.Metering.GetAsync("/v1/authorize"))
        {
            await AssertErrorAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
            Assert.Contains("POST", response.Content.Headers.Allow);
        }
        using (var response = await cluster.Admin.DeleteAsync("/admin/accounts/a"))
            await AssertErrorAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        using (var response = await cluster.Admin.GetAsync("/admin/nothing-here"))
            await AssertErrorAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    /// <summary>A new account with credit for exactly five requests, all five held, and a day's tokens used up.</summary>
    private static async Task<(string Account, long Balance, long Pending)> HoldFiveAsync(TestCluster cluster)
    {
        var id = SharedCluster.UniqueId("held");
        await SetPriceAsync(cluster.Admin, "m1", Price, Price);
        await CreateAccountAsync(cluster.Admin, id, 5 * 200);
        await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/accounts/{id}/limits", """{"tokens_per_day":1000}""");
        for (var i = 0; i < 5; i++) Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, $"{id}-h{i}", account: id)));
        var account = await ReadAsync(await cluster.Admin.GetAsync($"/admin/accounts/{id}"));
        Assert.Equal(5 * 200, account.GetProperty("pending").GetInt64());
        return (id, account.GetProperty("balance").GetInt64(), account.GetProperty("pending").GetInt64());
    }

    private static async Task AssertStillHeldAsync(TestCluster cluster, (string Account, long Balance, long Pending) held)
    {
        var account = await ReadAsync(await cluster.Admin.GetAsync($"/admin/accounts/{held.Account}"));
        Assert.Equal(held.Balance, account.GetProperty("balance").GetInt64());
        Assert.Equal(held.Pending, account.GetProperty("pending").GetInt64());
        // Nothing is handed out again: no credit is available, and the day's tokens are used up.
        var sixth = await AuthorizeAsync(cluster.Metering, $"{held.Account}-sixth", account: held.Account, input: 1, output: 1);
        Assert.False(Allowed(sixth));
        Assert.Equal("account.tokens_per_day", sixth.GetProperty("limit").GetString());
    }

    /// <summary>A JSON object that never ends, counting what was read of it.</summary>
    private sealed class EndlessJson : Stream
    {
        private static readonly byte[] Start = "{\"account_id\":\""u8.ToArray();
        private long _sent;

        public long Sent => Interlocked.Read(ref _sent);

        public override int Read(byte[] buffer, int offset, int count)
        {
            var sent = Interlocked.Read(ref _sent);
            if (sent > 20 * 1024 * 1024) return 0;
            var n = Math.Min(count, 16 * 1024);
            if (sent == 0)
            {
                Start.CopyTo(buffer, offset);
                buffer.AsSpan(offset + Start.Length, n - Start.Length).Fill((byte)'a');
            }
            else
            {
                buffer.AsSpan(offset, n).Fill((byte)'a');
            }
            Interlocked.Add(ref _sent, n);
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
