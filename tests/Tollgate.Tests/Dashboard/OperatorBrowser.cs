using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Tollgate.Tests.Dashboard;

/// <summary>The operator console as a browser without scripts uses it: cookies kept, redirects not followed, forms posted with their antiforgery token.</summary>
public static partial class OperatorBrowser
{
    public const string SessionCookieName = "tollgate_ops";

    /// <summary>A client of <paramref name="address"/> that keeps cookies in <paramref name="cookies"/> (a new jar when null).</summary>
    public static (HttpClient Client, CookieContainer Cookies) Open(Uri address, CookieContainer? cookies = null)
    {
        cookies ??= new CookieContainer();
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = address };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return (client, cookies);
    }

    /// <summary>Posts a form the way the browser does: with the antiforgery token of the page that shows it.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, Dictionary<string, string> fields, string? formPage = null)
    {
        fields["__csrf"] = await AntiforgeryTokenAsync(client, formPage ?? (path.StartsWith("/ops/signin", StringComparison.Ordinal) ? "/ops/signin" : "/ops"));
        return await client.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    /// <summary>The antiforgery token of the form on <paramref name="page"/> (its cookie goes into the client's jar).</summary>
    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string page) => AntiforgeryToken(await client.GetStringAsync(page));

    /// <summary>The antiforgery token of the form in <paramref name="html"/>.</summary>
    public static string AntiforgeryToken(string html) =>
        AntiforgeryField().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException("The page has no antiforgery token.");

    public static Cookie? SessionCookie(CookieContainer cookies, Uri address) => cookies.GetCookies(address).FirstOrDefault(c => c.Name == SessionCookieName);

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
