using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tollgate.Silo.Webhooks;
using Tollgate.Tests.Alerts;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;

namespace Tollgate.Tests.Dashboard;

/// <summary>
/// The console's spend-control forms in a real browser: an account's budgets, grants, time zone and balance alerts, a key's
/// budgets and models, webhook endpoints. Each write is checked on the page and through the admin API; a bad input of each
/// form shows its stable code and changes nothing. One stack and one browser for the class; its first gateway takes http
/// webhook URLs (a local receiver), its second requires https.
/// </summary>
public sealed class SpendControlBrowserTests(PostgresFixture postgres) : IAsyncLifetime, IClassFixture<PostgresFixture>
{
    private const string Account = OperatorStack.Account;

    private OperatorStack _stack = null!;
    private IBrowser _browser = null!;

    private HttpClient Admin => _stack.Cluster.Admin;

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(30_000);
        _stack = await OperatorStack.StartAsync(postgres, gatewaySettings: ["--Webhooks:RequireHttps=false"],
            configureSilo: silo => silo.Services.Configure<WebhookOptions>(webhooks => webhooks.PollInterval = TimeSpan.FromMilliseconds(50)));
        await _stack.Cluster.AddGatewayAsync("--Webhooks:RequireHttps=true");
        _browser = await _stack.BrowserAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _stack.DisposeAsync();
    }

    [Fact]
    public async Task An_operator_sets_an_accounts_time_zone_budgets_grants_and_alerts_and_bad_input_changes_nothing()
    {
        var page = await SignedInPageAsync($"/ops/accounts/{Account}");

        // Time zone.
        await page.FillAsync("input[name=timeZone]", "Europe/Berlin");
        await page.ClickAsync("button:has-text('Set time zone')");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("time zone is set");
        await Assertions.Expect(page.Locator(".cards")).ToContainTextAsync("Europe/Berlin");
        await page.FillAsync("input[name=timeZone]", "Mars/Olympus_Mons");
        await page.ClickAsync("button:has-text('Set time zone')");
        await ExpectRefusedAsync(page, "invalid_time_zone");
        await Assertions.Expect(page.Locator("input[name=timeZone]")).ToHaveValueAsync("Mars/Olympus_Mons"); // as typed
        await Assertions.Expect(page.Locator(".cards")).ToContainTextAsync("Europe/Berlin");
        Assert.Equal("Europe/Berlin", (await GetAsync($"/admin/accounts/{Account}")).GetProperty("time_zone").GetString());

        // An account budget, in USD with its own alert percentages; then a rolling one, deleted again.
        await page.FillAsync("input[name='Budget.Name']", "monthly");
        await page.SelectOptionAsync("select[name='Budget.Period']", "month");
        await page.FillAsync("input[name='Budget.CapUsd']", "50");
        await page.FillAsync("input[name='Budget.AlertPercents']", "50, 90");
        await page.ClickAsync("button:has-text('Set budget')");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("budget is set");
        var monthly = page.Locator("table.budgets tr", new PageLocatorOptions { HasText = "monthly" });
        await Assertions.Expect(monthly).ToContainTextAsync("$50.00");
        await Assertions.Expect(monthly).ToContainTextAsync("Europe/Berlin"); // the account's zone
        await Assertions.Expect(monthly).ToContainTextAsync("50%, 90%");
        var budget = Assert.Single((await GetAsync($"/admin/accounts/{Account}/budgets")).EnumerateArray());
        Assert.Equal("monthly", budget.GetProperty("name").GetString());
        Assert.Equal(50_000_000_000, budget.GetProperty("cap_nano_usd").GetInt64());
        Assert.Equal([50, 90], budget.GetProperty("alert_percents").EnumerateArray().Select(p => p.GetInt32()));

        await page.FillAsync("input[name='Budget.Name']", "burst");
        await page.SelectOptionAsync("select[name='Budget.Period']", "rolling");
        await page.FillAsync("input[name='Budget.Rolling']", "3 fortnights");
        await page.FillAsync("input[name='Budget.CapTokens']", "100000");
        await page.ClickAsync("button:has-text('Set budget')");
        await ExpectRefusedAsync(page, "invalid_period");
        await Assertions.Expect(page.Locator("input[name='Budget.CapTokens']")).ToHaveValueAsync("100000"); // the rest is kept
        Assert.Single((await GetAsync($"/admin/accounts/{Account}/budgets")).EnumerateArray());
        await page.FillAsync("input[name='Budget.Rolling']", "12h");
        await page.ClickAsync("button:has-text('Set budget')");
        await Assertions.Expect(page.Locator("table.budgets tr", new PageLocatorOptions { HasText = "burst" })).ToContainTextAsync("100,000 tokens");
        await page.ClickAsync("button[aria-label='Delete budget burst']");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("budget is deleted");
        await Assertions.Expect(page.Locator("table.budgets")).Not.ToContainTextAsync("burst");
        Assert.Single((await GetAsync($"/admin/accounts/{Account}/budgets")).EnumerateArray());

        // Two grants: one kept (under the prefilled id), one voided.
        var kept = await page.InputValueAsync("input[name='Grant.GrantId']");
        Assert.StartsWith("ops-", kept);
        await page.FillAsync("input[name='Grant.AmountUsd']", "ten");
        await page.ClickAsync("button:has-text('Create grant')");
        await ExpectRefusedAsync(page, "invalid_grant");
        await Assertions.Expect(page.Locator("input[name='Grant.GrantId']")).ToHaveValueAsync(kept);
        await page.FillAsync("input[name='Grant.AmountUsd']", "10");
        await page.SelectOptionAsync("select[name='Grant.Kind']", "promotional");
        await page.FillAsync("input[name='Grant.Priority']", "10");
        await page.FillAsync("input[name='Grant.ExpiresAt']", "2030-01-01T00:00");
        await page.FillAsync("input[name='Grant.Reason']", "welcome offer");
        await page.ClickAsync("button:has-text('Create grant')");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("grant is created");
        var keptRow = page.Locator("table.grants tr", new PageLocatorOptions { HasText = kept });
        await Assertions.Expect(keptRow).ToContainTextAsync("promotional");
        await Assertions.Expect(keptRow).ToContainTextAsync("$10.00");
        await Assertions.Expect(keptRow).ToContainTextAsync("2030-01-01 00:00:00Z");
        await Assertions.Expect(keptRow).ToContainTextAsync("active");
        Assert.NotEqual(kept, await page.InputValueAsync("input[name='Grant.GrantId']")); // a fresh id for the next grant
        await page.FillAsync("input[name='Grant.GrantId']", "ops-void-me");
        await page.FillAsync("input[name='Grant.AmountUsd']", "10");
        await page.ClickAsync("button:has-text('Create grant')");
        await Assertions.Expect(page.Locator("table.grants tr", new PageLocatorOptions { HasText = "ops-void-me" })).ToContainTextAsync("active");

        // Balance alerts: below $40 (the balance is about $45 now), depleted off, grants expiring within 3 days.
        await page.FillAsync("input[name='Alerts.GrantExpiringDays']", "0");
        await page.ClickAsync("button:has-text('Set alerts')");
        await ExpectRefusedAsync(page, "invalid_alerts");
        Assert.Equal(7, (await GetAsync($"/admin/accounts/{Account}/alerts")).GetProperty("grant_expiring_days").GetInt32());
        await page.FillAsync("input[name='Alerts.LowBalanceUsd']", "40");
        await page.UncheckAsync("input[name='Alerts.Depleted'][type=checkbox]");
        await page.FillAsync("input[name='Alerts.GrantExpiringDays']", "3");
        await page.ClickAsync("button:has-text('Set alerts')");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("alerts are set");
        await Assertions.Expect(page.Locator("input[name='Alerts.LowBalanceUsd']")).ToHaveValueAsync("40");
        await Assertions.Expect(page.Locator("input[name='Alerts.Depleted'][type=checkbox]")).Not.ToBeCheckedAsync();
        var alerts = await GetAsync($"/admin/accounts/{Account}/alerts");
        Assert.Equal(40_000_000_000, alerts.GetProperty("low_balance_below_nano_usd").GetInt64());
        Assert.False(alerts.GetProperty("depleted").GetBoolean());
        Assert.Equal(3, alerts.GetProperty("grant_expiring_days").GetInt32());

        // Voiding the second grant takes the balance below $40: the alert is among the recent ones.
        await page.ClickAsync("button[aria-label='Void grant ops-void-me']");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("grant is voided");
        await Assertions.Expect(page.Locator("table.grants tr", new PageLocatorOptions { HasText = "ops-void-me" })).ToContainTextAsync("voided");
        await Assertions.Expect(page.Locator("button[aria-label='Void grant ops-void-me']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("table.recent-alerts tr", new PageLocatorOptions { HasText = "balance.low" })).ToContainTextAsync("below $40.00");
        var grants = (await GetAsync($"/admin/accounts/{Account}/grants")).EnumerateArray().ToDictionary(g => g.GetProperty("grant_id").GetString()!);
        Assert.Equal("voided", grants["ops-void-me"].GetProperty("status").GetString());
        Assert.Equal("active", grants[kept].GetProperty("status").GetString());
        Assert.Equal(10, grants[kept].GetProperty("priority").GetInt32());
        Assert.Equal(10_000_000_000, grants[kept].GetProperty("amount").GetInt64());
        await OperatorStack.ScreenshotAsync(page, "account-spend");
    }

    [Fact]
    public async Task An_operator_sets_a_keys_budget_and_models_and_bad_input_changes_nothing()
    {
        var page = await SignedInPageAsync($"/ops/accounts/{Account}");
        await page.ClickAsync($"a:has-text('{_stack.KeyId}')");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/ops/keys\\?key={_stack.KeyId}$"));
        await Assertions.Expect(page.Locator(".models-all")).ToContainTextAsync("every model");

        await page.FillAsync("input[name='Budget.Name']", "daily");
        await page.SelectOptionAsync("select[name='Budget.Period']", "day");
        await page.ClickAsync("button:has-text('Set budget')");
        await ExpectRefusedAsync(page, "invalid_budget"); // no cap at all
        await Assertions.Expect(page.Locator("input[name='Budget.Name']")).ToHaveValueAsync("daily");
        await page.FillAsync("input[name='Budget.CapTokens']", "20000");
        await page.FillAsync("input[name='Budget.TimeZone']", "America/New_York");
        await page.ClickAsync("button:has-text('Set budget')");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("budget is set");
        var daily = page.Locator("table.budgets tr", new PageLocatorOptions { HasText = "daily" });
        await Assertions.Expect(daily).ToContainTextAsync("20,000 tokens");
        await Assertions.Expect(daily).ToContainTextAsync("America/New_York");
        var budget = Assert.Single((await GetAsync($"/admin/keys/{_stack.KeyId}/budgets")).EnumerateArray());
        Assert.Equal(20_000, budget.GetProperty("cap_tokens").GetInt64());
        Assert.Equal("key", budget.GetProperty("owner").GetString());
        Assert.DoesNotContain((await GetAsync($"/admin/accounts/{Account}/budgets")).EnumerateArray(), b => b.GetProperty("name").GetString() == "daily");

        await page.FillAsync("textarea[name=models]", "gpt-4o*\nno spaces allowed");
        await page.ClickAsync("button:has-text('Set models')");
        await ExpectRefusedAsync(page, "invalid_model_pattern");
        await Assertions.Expect(page.Locator("textarea[name=models]")).ToHaveValueAsync("gpt-4o*\nno spaces allowed");
        await page.FillAsync("textarea[name=models]", "");
        await page.ClickAsync("button:has-text('Set models')");
        await ExpectRefusedAsync(page, "invalid_model_pattern"); // an empty list would be revoking the key
        Assert.Equal(JsonValueKind.Null, (await GetAsync($"/admin/keys/{_stack.KeyId}/models")).GetProperty("models").ValueKind);

        await page.FillAsync("textarea[name=models]", "gpt-4o*, o3-mini\ntext-embedding-3-small");
        await page.ClickAsync("button:has-text('Set models')");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("only these models");
        await Assertions.Expect(page.Locator("code.model-pattern")).ToHaveTextAsync(["gpt-4o*", "o3-mini", "text-embedding-3-small"]);
        Assert.Equal(["gpt-4o*", "o3-mini", "text-embedding-3-small"], Models(await GetAsync($"/admin/keys/{_stack.KeyId}/models")));

        await page.ClickAsync("button:has-text('Allow every model')");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("every model again");
        Assert.Equal(JsonValueKind.Null, (await GetAsync($"/admin/keys/{_stack.KeyId}/models")).GetProperty("models").ValueKind);
        await page.FillAsync("textarea[name=models]", "gpt-4o*\ntext-embedding-3-small");
        await page.ClickAsync("button:has-text('Set models')");
        await Assertions.Expect(page.Locator("code.model-pattern")).ToHaveCountAsync(2);
        await OperatorStack.ScreenshotAsync(page, "key");
    }

    [Fact]
    public async Task An_operator_creates_a_webhook_endpoint_sees_its_secret_once_sends_it_a_test_event_and_deletes_one()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var page = await SignedInPageAsync("/ops/webhooks");

        await page.FillAsync("input[name=url]", "not a url");
        await page.ClickAsync("button:has-text('Create endpoint')");
        await ExpectRefusedAsync(page, "invalid_webhook_url");
        await page.FillAsync("input[name=url]", receiver.Url);
        await page.FillAsync("input[name=accountId]", "no-such-account");
        await page.FillAsync("input[name=description]", "acme budgets");
        await page.ClickAsync("button:has-text('Create endpoint')");
        await ExpectRefusedAsync(page, "account_not_found");
        await Assertions.Expect(page.Locator("input[name=description]")).ToHaveValueAsync("acme budgets");
        Assert.Empty((await GetAsync("/admin/webhooks")).GetProperty("webhooks").EnumerateArray());

        await page.FillAsync("input[name=accountId]", Account);
        await page.ClickAsync("button:has-text('Create endpoint')");
        var secret = await page.Locator("code.webhook-secret").InnerTextAsync();
        Assert.StartsWith("whsec_", secret);
        var endpoint = Assert.Single((await GetAsync("/admin/webhooks")).GetProperty("webhooks").EnumerateArray());
        var endpointId = endpoint.GetProperty("endpoint_id").GetString()!;
        Assert.Equal(Account, endpoint.GetProperty("account_id").GetString());
        Assert.Equal("acme budgets", endpoint.GetProperty("description").GetString());
        await Assertions.Expect(page.Locator("table").First).ToContainTextAsync(endpointId);
        await OperatorStack.ScreenshotAsync(page, "webhooks");

        // The test event reaches the receiver signed with the secret the page showed, and the log says so.
        await page.ClickAsync($"button[aria-label='Send a test event to {endpointId}']");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("test event");
        Assert.Equal(0, await page.Locator("code.webhook-secret").CountAsync()); // shown once only
        var delivered = page.Locator("tr", new PageLocatorOptions { HasTextRegex = new Regex(@"\bdelivered\b") }); // the status, not the column "Delivered"
        for (var deadline = DateTime.UtcNow.AddSeconds(60); await delivered.CountAsync() == 0 && DateTime.UtcNow < deadline;)
            await page.ReloadAsync();
        await Assertions.Expect(delivered).ToContainTextAsync("test");
        var received = Assert.Single(receiver.Received);
        Assert.True(WebhookReceiver.Verifies(received.Signature, received.Body, secret));
        await Assertions.Expect(delivered).ToContainTextAsync(received.EventId!);

        // A second endpoint, deleted.
        await page.FillAsync("input[name=url]", receiver.Url + "/other");
        await page.ClickAsync("button:has-text('Create endpoint')");
        await Assertions.Expect(page.Locator("code.webhook-secret")).ToHaveCountAsync(1);
        var other = (await GetAsync("/admin/webhooks")).GetProperty("webhooks").EnumerateArray()
            .Select(w => w.GetProperty("endpoint_id").GetString()!).Single(id => id != endpointId);
        await page.ClickAsync($"button[aria-label='Delete endpoint {other}']");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("deleted");
        await Assertions.Expect(page.Locator("table").First).Not.ToContainTextAsync(other);
        Assert.Single((await GetAsync("/admin/webhooks")).GetProperty("webhooks").EnumerateArray());

        // A gateway that requires https refuses an http URL with its code, and creates nothing.
        var (client, _) = OperatorBrowser.Open(_stack.Cluster.GatewayAddress(1));
        using (client)
        {
            using (await OperatorBrowser.PostFormAsync(client, "/ops/signin", new() { ["token"] = TestCluster.AdminToken })) { }
            using var refused = await OperatorBrowser.PostFormAsync(client, "/ops/webhooks?handler=Create",
                new() { ["url"] = receiver.Url, ["description"] = "plain http" }, "/ops/webhooks");
            OperatorStack.AssertStatus(HttpStatusCode.BadRequest, refused, "an http URL where https is required");
            var html = await refused.Content.ReadAsStringAsync();
            Assert.Contains("webhook_https_required", html);
            Assert.Contains("value=\"plain http\"", html); // the form as typed
        }
        Assert.Single((await GetAsync("/admin/webhooks")).GetProperty("webhooks").EnumerateArray());
    }

    private async Task<IPage> SignedInPageAsync(string path)
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = _stack.Address.ToString(), ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
        await page.GotoAsync(path);
        await page.FillAsync("input[name=token]", TestCluster.AdminToken);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(path) + "$"));
        return page;
    }

    /// <summary>The page shown again with the refusal's stable code (a 4xx, never an error page).</summary>
    private static async Task ExpectRefusedAsync(IPage page, string code)
    {
        await Assertions.Expect(page.Locator(".error code")).ToHaveTextAsync(code);
        await Assertions.Expect(page.Locator("h1")).Not.ToContainTextAsync(code); // the page itself, not the error page
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await Admin.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}");
        return await ReadAsync(response);
    }

    private static string[] Models(JsonElement view) => [.. view.GetProperty("models").EnumerateArray().Select(m => m.GetString()!)];
}
