using System.Net;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Dashboard;

/// <summary>Behind a trusted TLS proxy the console's cookies are Secure and each browser has its own sign-in limit; nobody else's forwarded headers count.</summary>
public sealed class ForwardedConsoleTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Behind_a_trusted_proxy_cookies_are_secure_and_sign_in_attempts_are_limited_per_browser_address()
    {
        await using var stack = await OperatorStack.StartAsync(postgres, traffic: false);
        await stack.Cluster.AddGatewayAsync("--Proxy:TrustedProxies:0=127.0.0.1"); // the test client stands for the TLS proxy
        using var direct = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = stack.Cluster.GatewayAddress(0) };
        using var proxied = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = stack.Cluster.GatewayAddress(1) };

        using (var signedIn = await SignInAsync(proxied, "198.51.100.1", TestCluster.AdminToken))
        {
            OperatorStack.AssertStatus(HttpStatusCode.Redirect, signedIn, "sign-in through the trusted proxy");
            Assert.Contains("secure", SessionCookie(signedIn), StringComparison.OrdinalIgnoreCase);
        }
        using (var untrusted = await SignInAsync(direct, "198.51.100.1", TestCluster.AdminToken))
        {
            OperatorStack.AssertStatus(HttpStatusCode.Redirect, untrusted, "sign-in with forwarded headers from a peer not trusted");
            Assert.DoesNotContain("secure", SessionCookie(untrusted), StringComparison.OrdinalIgnoreCase);
        }

        // Five attempts a minute per browser address, not per proxy: one browser's wrong tokens do not lock out another.
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var wrong = await SignInAsync(proxied, "198.51.100.2", "not-the-token");
            OperatorStack.AssertStatus(HttpStatusCode.Unauthorized, wrong, $"wrong token, attempt {attempt}");
        }
        using (var limited = await SignInAsync(proxied, "198.51.100.2", TestCluster.AdminToken))
            OperatorStack.AssertStatus(HttpStatusCode.TooManyRequests, limited, "the sixth attempt from that browser");
        using (var other = await SignInAsync(proxied, "198.51.100.3", TestCluster.AdminToken))
            OperatorStack.AssertStatus(HttpStatusCode.Redirect, other, "another browser behind the same proxy");
    }

    /// <summary>Shows the sign-in form and posts it, both as the TLS proxy forwards a browser's requests (cookies carried by hand: they are Secure).</summary>
    private static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string browser, string token)
    {
        using var form = Forwarded(new HttpRequestMessage(HttpMethod.Get, "/ops/signin"), browser);
        using var page = await client.SendAsync(form);
        var antiforgeryCookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("tollgate_ops_af=", StringComparison.Ordinal)).Split(';')[0];
        var post = Forwarded(new HttpRequestMessage(HttpMethod.Post, "/ops/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["__csrf"] = OperatorBrowser.AntiforgeryToken(await page.Content.ReadAsStringAsync()) }),
        }, browser);
        post.Headers.Add("Cookie", antiforgeryCookie);
        return await client.SendAsync(post);
    }

    private static HttpRequestMessage Forwarded(HttpRequestMessage request, string browser)
    {
        request.Headers.Add("X-Forwarded-For", browser);
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Accept.ParseAdd("text/html");
        return request;
    }

    private static string SessionCookie(HttpResponseMessage response) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(OperatorBrowser.SessionCookieName + "=", StringComparison.Ordinal));
}
