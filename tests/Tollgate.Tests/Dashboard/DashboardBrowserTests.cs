using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Dashboard;

/// <summary>The operator console in a real browser (Debian's Chromium): sign in, read, write, sign out.</summary>
public sealed class DashboardBrowserTests(PostgresFixture postgres) : IAsyncLifetime, IClassFixture<PostgresFixture>
{
    private OperatorStack _stack = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        // Playwright's assertions retry for 5 s by default: too short for a browser on a loaded 2-core machine.
        Assertions.SetDefaultExpectTimeout(30_000);
        _stack = await OperatorStack.StartAsync(postgres);
        _browser = await _stack.BrowserAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _stack.DisposeAsync();
    }

    private async Task<IPage> SignedInPageAsync()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = _stack.Address.ToString(), ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
        await page.GotoAsync("/ops");
        Assert.Contains("/ops/signin", page.Url);
        await OperatorStack.ScreenshotAsync(page, "signin");
        await page.FillAsync("input[name=token]", TestCluster.AdminToken);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/ops$"));
        return page;
    }

    [Fact]
    public async Task An_operator_signs_in_sees_the_overview_adjusts_credit_revokes_a_key_and_signs_out()
    {
        var page = await SignedInPageAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Overview");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync(OperatorStack.Account); // top accounts by spend
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("model_unknown"); // denials by reason
        Assert.True(await page.Locator("svg.chart rect").CountAsync() > 0, "the overview draws its charts");
        await OperatorStack.ScreenshotAsync(page, "overview");

        // Find the account.
        await page.ClickAsync("header >> text=Accounts");
        await page.FillAsync("input[name=prefix]", "acme");
        await page.ClickAsync("button:has-text('Search')");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync(OperatorStack.Account);
        await Assertions.Expect(page.Locator("table")).Not.ToContainTextAsync("globex");
        await OperatorStack.ScreenshotAsync(page, "accounts");
        await page.ClickAsync($"a:has-text('{OperatorStack.Account}')");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync(OperatorStack.Account);

        // Adjust its credit through the form: the ledger shows the row.
        await page.FillAsync("input[name=amount]", "12.50");
        await page.FillAsync("input[name=reason]", "goodwill <b>credit</b>");
        await page.ClickAsync("button:has-text('Apply')");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("adjustment is applied");
        var row = page.Locator("tr", new PageLocatorOptions { HasText = "goodwill <b>credit</b>" });
        await Assertions.Expect(row).ToContainTextAsync("$12.50");
        Assert.Equal(0, await page.Locator("b:text('credit')").CountAsync()); // the reason is shown as text, never as markup
        await OperatorStack.ScreenshotAsync(page, "account");

        // Revoke its key.
        await page.ClickAsync($"button[aria-label='Revoke key {_stack.KeyId}']");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("revoked");
        await Assertions.Expect(page.Locator("tr", new PageLocatorOptions { HasText = _stack.KeyId })).ToContainTextAsync("revoked");
        var key = await _stack.Cluster.Grains.GetGrain<Tollgate.Grains.Keys.IApiKeyGrain>(_stack.KeyId).Get();
        Assert.True(key.Revoked);

        // Sign out: the pages are closed again.
        // WaitForURLAsync reads the URL and only then waits for a navigation, so a redirect landing in between is
        // missed (playwright-dotnet #3364): the assertion asks the browser, retrying until the URL matches.
        await page.ClickAsync("button:has-text('Sign out')");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/ops/signin"));
        await page.GotoAsync("/ops/accounts");
        Assert.Contains("/ops/signin", page.Url);
    }

    [Fact]
    public async Task The_orleans_dashboard_opens_for_a_signed_in_operator()
    {
        var page = await SignedInPageAsync();
        // The dashboard's own script fetches the cluster's statistics with the session cookie.
        var stats = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("header >> text=Orleans dashboard"),
            response => response.Url.Contains("/dashboard/DashboardCounters"));
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/dashboard/$"));
        Assert.Equal(200, stats.Status);
        if (OperatorStack.ScreenshotPath("orleans-dashboard") is not null)
        {
            await page.WaitForTimeoutAsync(1500); // only for the picture: let the charts draw their first counters
            await OperatorStack.ScreenshotAsync(page, "orleans-dashboard");
        }
    }

    [Fact]
    public async Task The_keys_models_caller_ip_and_usage_pages_show_what_the_api_serves()
    {
        var page = await SignedInPageAsync();
        await page.GotoAsync($"/ops/keys?account={OperatorStack.Account}");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync(_stack.KeyId);
        await page.ClickAsync($"button[aria-label='Revoke key {_stack.KeyId}']");
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("revoked");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("revoked");
        await OperatorStack.ScreenshotAsync(page, "keys");

        await page.GotoAsync($"/ops/models?model={OperatorStack.Model}");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("$0.15 in, $0.60 out per million tokens");
        await OperatorStack.ScreenshotAsync(page, "models");

        await page.GotoAsync("/ops/ips");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("198.51.100.1");
        Assert.True(await page.Locator("svg.chart rect").CountAsync() > 0);
        await OperatorStack.ScreenshotAsync(page, "caller-ips");

        await page.GotoAsync("/ops/usage?period=day&group_by=model");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync(OperatorStack.Model);
        await page.SelectOptionAsync("select[name=group_by]", "account");
        await page.ClickAsync("button:has-text('Show')");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("globex");
        Assert.True(await page.Locator("svg.chart rect").CountAsync() > 0);
        await OperatorStack.ScreenshotAsync(page, "usage");

        await page.GotoAsync("/ops/usage?group_by=nonsense");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("400: invalid_group_by");
    }
}
