using System.Net;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Dashboard;

/// <summary>An operator session works on every gateway of a fleet, and signing out ends it everywhere, whatever copy of its cookie is kept.</summary>
public sealed class OperatorSessionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_session_opened_on_one_gateway_posts_a_form_on_another_and_its_cookie_replayed_after_sign_out_is_refused()
    {
        await using var stack = await OperatorStack.StartAsync(postgres, traffic: false);
        await stack.Cluster.AddGatewayAsync();
        var first = stack.Cluster.GatewayAddress(0);
        var second = stack.Cluster.GatewayAddress(1);

        var (onFirst, cookies) = OperatorBrowser.Open(first);
        using var _ = onFirst;
        using (var signedIn = await OperatorBrowser.PostFormAsync(onFirst, "/ops/signin", new() { ["token"] = TestCluster.AdminToken }))
            OperatorStack.AssertStatus(HttpStatusCode.Redirect, signedIn, "sign-in on the first gateway");
        var session = OperatorBrowser.SessionCookie(cookies, first)!.Value;
        // The key ring the gateways share: in PostgreSQL, and no key in the clear.
        Assert.True(await Ledger.ScalarAsync(stack.Cluster.Database, "SELECT count(*) FROM data_protection_keys WHERE xml LIKE '%encryptedKey%'") >= 1);
        Assert.Equal(0, await Ledger.ScalarAsync(stack.Cluster.Database, "SELECT count(*) FROM data_protection_keys WHERE xml LIKE '%masterKey%'"));

        // The same browser (the same cookies: a host's cookies go to any of its ports) behind a balancer that sends its
        // next requests to the other gateway: a page, and a form whose antiforgery token the first gateway issued.
        var csrf = await OperatorBrowser.AntiforgeryTokenAsync(onFirst, "/ops");
        var (onSecond, _) = OperatorBrowser.Open(second, cookies);
        using var __ = onSecond;
        using (var page = await onSecond.GetAsync("/ops/accounts"))
            OperatorStack.AssertStatus(HttpStatusCode.OK, page, "a page on the second gateway with the first one's cookie");
        using (var signedOut = await onSecond.PostAsync("/ops/signout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__csrf"] = csrf })))
            OperatorStack.AssertStatus(HttpStatusCode.Redirect, signedOut, "sign-out posted on the second gateway with the first one's antiforgery token");
        Assert.Null(OperatorBrowser.SessionCookie(cookies, second));

        // A copy of the cookie kept from before the sign-out opens nothing, on either gateway.
        foreach (var gateway in new[] { first, second })
        {
            var (replay, _) = OperatorBrowser.Open(gateway, CopyOf(session, gateway));
            using var ___ = replay;
            using var refused = await replay.GetAsync("/ops/accounts");
            OperatorStack.AssertStatus(HttpStatusCode.Redirect, refused, $"the replayed cookie on {gateway}");
            Assert.StartsWith("/ops/signin", refused.Headers.Location!.PathAndQuery);
        }
    }

    private static CookieContainer CopyOf(string session, Uri address)
    {
        var cookies = new CookieContainer();
        cookies.Add(address, new Cookie(OperatorBrowser.SessionCookieName, session, "/"));
        return cookies;
    }
}
