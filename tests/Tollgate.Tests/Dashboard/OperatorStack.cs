using System.Net;
using Microsoft.Playwright;
using Tollgate.Silo;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Dashboard;

/// <summary>
/// A Tollgate with the Orleans dashboard on its silos and some traffic, for the operator console's tests; and a
/// Chromium (Debian's, at <see cref="ChromiumPath"/>: Playwright cannot download its own browser here).
/// </summary>
public sealed class OperatorStack : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string Account = "acme-corp";
    public const string Model = "gpt-4o-mini";

    private IPlaywright? _playwright;

    private OperatorStack(TestCluster cluster) => Cluster = cluster;

    public TestCluster Cluster { get; }

    public Uri Address => Cluster.GatewayAddress();

    public string KeyId { get; private set; } = "";

    /// <param name="gatewaySettings">The gateway's configuration (e.g. <c>--Webhooks:RequireHttps=false</c>).</param>
    /// <param name="configureSilo">More silo configuration.</param>
    /// <param name="dashboard">Whether the silo feeds the Orleans dashboard (a deployment's default is not to).</param>
    public static async Task<OperatorStack> StartAsync(PostgresFixture postgres, bool traffic = true, string[]? gatewaySettings = null,
        Action<Orleans.Hosting.ISiloBuilder>? configureSilo = null, bool dashboard = true)
    {
        var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 1, null, null, silo =>
        {
            if (dashboard) silo.AddTollgateDashboard();
            configureSilo?.Invoke(silo);
        }, gatewaySettings ?? []);
        var stack = new OperatorStack(cluster);
        if (traffic) await stack.SeedAsync();
        return stack;
    }

    /// <summary>An account with credit and a key, a priced model, and a few requests settled and denied.</summary>
    private async Task SeedAsync()
    {
        var admin = Cluster.Admin;
        await CreateAccountAsync(admin, Account, 25_000_000_000);
        await CreateAccountAsync(admin, "globex", 3_000_000_000);
        (KeyId, _) = await CreateKeyAsync(admin, Account);
        await AdminAsync(admin, HttpMethod.Post, $"/admin/models/{Model}/prices", """{"input_per_million":150000000,"output_per_million":600000000}""");
        for (var i = 0; i < 6; i++)
        {
            var account = i % 3 == 0 ? "globex" : Account;
            var authorized = await AuthorizeAsync(Cluster.Metering, $"seed-{i}", account: account, model: Model, input: 2_000, output: 1_000);
            Assert.True(Allowed(authorized), authorized.ToString());
            await SettleAsync(Cluster.Metering, authorized, 1_500 * (i + 1), 800 * (i + 1));
        }
        Assert.False(Allowed(await AuthorizeAsync(Cluster.Metering, "seed-unknown", account: Account, model: "no-such-model")));
        Assert.False(Allowed(await AuthorizeAsync(Cluster.Metering, "seed-nobody", account: "nobody", model: Model)));
    }

    /// <summary>A new browser (headless Chromium) with a page that is not signed in.</summary>
    public async Task<IBrowser> BrowserAsync()
    {
        _playwright ??= await Playwright.CreateAsync();
        return await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
    }

    /// <summary>An HTTP client that follows no redirects and keeps no cookies: what an anonymous caller gets.</summary>
    public HttpClient Anonymous() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = Address };

    public async ValueTask DisposeAsync()
    {
        _playwright?.Dispose();
        await Cluster.DisposeAsync();
    }

    /// <summary>Where screenshots go when TOLLGATE_SCREENSHOTS names a folder (docs/screenshots is the committed one); null otherwise.</summary>
    public static string? ScreenshotPath(string name) =>
        Environment.GetEnvironmentVariable("TOLLGATE_SCREENSHOTS") is { Length: > 0 } folder ? Path.Combine(Directory.CreateDirectory(folder).FullName, name + ".png") : null;

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        if (ScreenshotPath(name) is { } path) await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
    }

    public static void AssertStatus(HttpStatusCode expected, HttpResponseMessage response, string what) =>
        Assert.True(expected == response.StatusCode, $"{what}: expected {(int)expected}, got {(int)response.StatusCode}");
}
