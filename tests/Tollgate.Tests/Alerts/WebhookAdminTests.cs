using System.Net;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Alerts;

/// <summary>
/// The webhook admin API: each kind of bad input is a 4xx with its stable code, and an endpoint's secret is shown by
/// its creation and never again.
/// </summary>
public sealed class WebhookAdminTests(WebhookCluster hooks) : IClassFixture<WebhookCluster>
{
    private const string UnknownEndpoint = "we_000000000000000000000000";

    [Theory]
    [InlineData("ftp://example.com/hooks")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/relative/hooks")]
    [InlineData("hooks")]
    [InlineData("example.com/hooks")]
    [InlineData("javascript:alert(1)")]
    [InlineData("mailto:ops@example.com")]
    [InlineData("https://user:password@example.com/hooks")]
    [InlineData("https://example.com/hooks#part")]
    [InlineData("https://exa mple.com/hooks")]
    [InlineData("https://")]
    public async Task A_url_that_is_not_an_absolute_http_url_is_refused(string url)
    {
        using var response = await hooks.Admin.PostAsync("/admin/webhooks", Json(JsonSerializer.Serialize(new { url })));
        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_webhook_url");
    }

    [Fact]
    public async Task A_url_over_2000_characters_is_refused()
    {
        var url = "https://example.com/" + new string('a', 2000 - "https://example.com/".Length);
        var (endpoint, _) = await CreateAsync(hooks.Admin, url); // exactly 2000 is fine
        await hooks.DeleteEndpointAsync(endpoint);
        using (var response = await hooks.Admin.PostAsync("/admin/webhooks", Json(JsonSerializer.Serialize(new { url = url + "a" }))))
            await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_webhook_url");
        // 1,990 characters as sent, 3 times as many once each 'ü' is escaped (%C3%BC) as it would be called.
        using (var escaped = await hooks.Admin.PostAsync("/admin/webhooks", Json(JsonSerializer.Serialize(new { url = "https://example.com/" + new string('ü', 1970) }))))
            await AssertErrorAsync(escaped, HttpStatusCode.BadRequest, "invalid_webhook_url");
    }

    [Fact]
    public async Task Http_is_refused_where_https_is_required_which_is_the_default()
    {
        using (var response = await hooks.HttpsOnlyAdmin.PostAsync("/admin/webhooks", Json("""{"url":"http://127.0.0.1:9/hooks"}""")))
            await AssertErrorAsync(response, HttpStatusCode.BadRequest, "webhook_https_required");
        var (endpoint, _) = await CreateAsync(hooks.HttpsOnlyAdmin, "https://hooks.example.com/tollgate");
        await hooks.DeleteEndpointAsync(endpoint);
    }

    [Fact]
    public async Task Bodies_with_a_missing_unknown_or_mistyped_field_are_refused()
    {
        foreach (var (body, code) in new[]
        {
            ("{}", "missing_field"),
            ("""{"url":null}""", "missing_field"),
            ("""{"url":"https://example.com/h","secret":"whsec_mine"}""", "unknown_field"),
            ("""{"url":42}""", "invalid_field"),
            ("""{"url":"https://example.com/h","description":"a\u0000b"}""", "invalid_field"),
            ("""{"url":"https://example.com/h",""", "malformed_json"),
        })
        {
            using var response = await hooks.Admin.PostAsync("/admin/webhooks", Json(body));
            await AssertErrorAsync(response, HttpStatusCode.BadRequest, code);
        }
    }

    [Fact]
    public async Task An_account_filter_must_name_an_existing_account()
    {
        using (var response = await hooks.Admin.PostAsync("/admin/webhooks", Json("""{"url":"https://example.com/h","account_id":"no-such-account"}""")))
            await AssertErrorAsync(response, HttpStatusCode.NotFound, "account_not_found");
        using (var response = await hooks.Admin.PostAsync("/admin/webhooks", Json("""{"url":"https://example.com/h","account_id":"not an id!"}""")))
            await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_account_id");

        var account = SharedCluster.UniqueId("hooks");
        await CreateAccountAsync(hooks.Admin, account, 0);
        var (endpoint, _) = await CreateAsync(hooks.Admin, "https://example.com/h", account);
        var view = await ReadAsync(await hooks.Admin.GetAsync($"/admin/webhooks/{endpoint}"));
        Assert.Equal(account, view.GetProperty("account_id").GetString());
        await hooks.DeleteEndpointAsync(endpoint);
    }

    [Fact]
    public async Task Unknown_endpoints_are_404_and_malformed_ids_400()
    {
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/admin/webhooks/{0}"), (HttpMethod.Delete, "/admin/webhooks/{0}"),
            (HttpMethod.Post, "/admin/webhooks/{0}/test"), (HttpMethod.Get, "/admin/webhooks/{0}/deliveries"),
        })
        {
            using (var response = await hooks.Admin.SendAsync(new HttpRequestMessage(method, string.Format(path, UnknownEndpoint))))
                await AssertErrorAsync(response, HttpStatusCode.NotFound, "webhook_not_found");
            foreach (var bad in new[] { "nope", "we_0000", "WE_000000000000000000000000", "we_00000000000000000000000g" })
            {
                using var response = await hooks.Admin.SendAsync(new HttpRequestMessage(method, string.Format(path, bad)));
                await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_webhook_id");
            }
        }
    }

    [Fact]
    public async Task The_delivery_log_refuses_bad_paging()
    {
        var (endpoint, _) = await CreateAsync(hooks.Admin, "https://example.com/h");
        try
        {
            foreach (var query in new[] { "?limit=0", "?limit=501", "?limit=abc", "?before=0", "?before=-1", "?limit=1.5" })
            {
                using var response = await hooks.Admin.GetAsync($"/admin/webhooks/{endpoint}/deliveries{query}");
                await AssertErrorAsync(response, HttpStatusCode.BadRequest, "invalid_query");
            }
            var empty = await hooks.LogAsync(endpoint, "?limit=500");
            Assert.Empty(empty.GetProperty("deliveries").EnumerateArray());
            Assert.Equal(JsonValueKind.Null, empty.GetProperty("next_before").ValueKind);
        }
        finally
        {
            await hooks.DeleteEndpointAsync(endpoint);
        }
    }

    [Fact]
    public async Task The_secret_is_shown_at_creation_only_and_a_deleted_endpoint_is_gone()
    {
        using var created = await hooks.Admin.PostAsync("/admin/webhooks", Json("""{"url":"https://example.com/hooks?x=1","description":"ops alerts","actor":"ada"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await ReadAsync(created);
        var endpoint = body.GetProperty("endpoint_id").GetString()!;
        var secret = body.GetProperty("secret").GetString()!;
        Assert.Matches("^we_[0-9a-f]{24}$", endpoint);
        Assert.Matches("^whsec_[A-Za-z0-9_-]{43}$", secret);
        Assert.Equal($"/admin/webhooks/{endpoint}", created.Headers.Location!.OriginalString);
        Assert.Equal("https://example.com/hooks?x=1", body.GetProperty("url").GetString());
        Assert.Equal("ops alerts", body.GetProperty("description").GetString());
        Assert.Equal("ada", body.GetProperty("created_by").GetString());
        Assert.True(body.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("account_id").ValueKind);

        foreach (var path in new[] { $"/admin/webhooks/{endpoint}", "/admin/webhooks", $"/admin/webhooks/{endpoint}/deliveries" })
        {
            using var response = await hooks.Admin.GetAsync(path);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("whsec_", text, StringComparison.Ordinal);
        }
        var listed = await ReadAsync(await hooks.Admin.GetAsync("/admin/webhooks"));
        Assert.Contains(listed.GetProperty("webhooks").EnumerateArray(), w => w.GetProperty("endpoint_id").GetString() == endpoint);

        await hooks.DeleteEndpointAsync(endpoint);
        using (var gone = await hooks.Admin.GetAsync($"/admin/webhooks/{endpoint}"))
            await AssertErrorAsync(gone, HttpStatusCode.NotFound, "webhook_not_found");
        using (var again = await hooks.Admin.DeleteAsync($"/admin/webhooks/{endpoint}"))
            await AssertErrorAsync(again, HttpStatusCode.NotFound, "webhook_not_found");
        listed = await ReadAsync(await hooks.Admin.GetAsync("/admin/webhooks"));
        Assert.DoesNotContain(listed.GetProperty("webhooks").EnumerateArray(), w => w.GetProperty("endpoint_id").GetString() == endpoint);
    }

    private static async Task<(string Id, string Secret)> CreateAsync(HttpClient admin, string url, string? accountId = null)
    {
        using var response = await admin.PostAsync("/admin/webhooks", Json(JsonSerializer.Serialize(new { url, account_id = accountId })));
        var created = await ReadAsync(response);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (created.GetProperty("endpoint_id").GetString()!, created.GetProperty("secret").GetString()!);
    }
}
