using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tollgate.LocalStack;

/// <summary>
/// What a first run needs to try the proxy: a priced model routed to the fake upstream, an account with credit
/// and a key for it. Done through the admin API, idempotently: a later run finds them and reuses the saved key.
/// </summary>
internal static class DemoSetup
{
    public const string Provider = "fake";
    public const string UpstreamKey = "fake-upstream-key";
    public const string Model = "gpt-4o-mini";
    public const string UpstreamModel = "fake-gpt";
    public const string Account = "demo";
    public const long CreditUsd = 100;

    public static async Task<(string Key, string Source)> EnsureAsync(Uri gateway, string adminToken, string keyFile)
    {
        using var admin = new HttpClient { BaseAddress = gateway };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);

        var model = await ReadAsync(await admin.GetAsync($"/admin/models/{Model}"));
        if (model.GetProperty("current").ValueKind == JsonValueKind.Null) // OpenAI's list price of gpt-4o-mini: 0.15 and 0.60 USD per million tokens
            await ReadAsync(await admin.PostAsJsonAsync($"/admin/models/{Model}/prices", new { input_per_million = 150_000_000, output_per_million = 600_000_000 }));
        await ReadAsync(await admin.PutAsJsonAsync($"/admin/models/{Model}/route", new { provider = Provider, upstream_model = UpstreamModel }));

        using (var created = await admin.PostAsJsonAsync("/admin/accounts", new { account_id = Account, initial_credit = CreditUsd * 1_000_000_000 }))
        {
            if (created.StatusCode != HttpStatusCode.Conflict) await ReadAsync(created);
        }

        if (File.Exists(keyFile))
        {
            var saved = File.ReadAllText(keyFile).Trim();
            var keyId = saved.Length > 19 ? saved[3..19] : "";
            using var current = await admin.GetAsync($"/admin/keys/{keyId}");
            if (current.IsSuccessStatusCode && !(await ReadAsync(current)).GetProperty("revoked").GetBoolean()) return (saved, $"saved in {keyFile}");
        }
        var key = (await ReadAsync(await admin.PostAsJsonAsync($"/admin/accounts/{Account}/keys", new { name = "demo" }))).GetProperty("key").GetString()!;
        File.WriteAllText(keyFile, key);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (key, $"created and saved in {keyFile}");
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Setting up the demo failed: {(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}
