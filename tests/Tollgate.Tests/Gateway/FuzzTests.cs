using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Gateway;

/// <summary>
/// Thousands of malformed requests over every endpoint, each a valid request with one thing broken (a NUL,
/// a lone surrogate, invalid UTF-8, a huge or fractional number, a wrong type, an unknown field, a body too
/// large or cut short, chunked or not, a path or query id that is not one). None may be a 5xx or drop the
/// connection, and none may change what the account they aim at holds.
/// </summary>
public sealed class FuzzTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int Requests = 3_000;

    [Fact]
    public async Task Malformed_requests_are_4xx_and_change_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await CreateAccountAsync(cluster.Admin, "fuzz", 1_000_000);
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/accounts/fuzz/limits", """{"tokens_per_day":100000,"max_concurrent":10}""");
        var (keyId, key) = await CreateKeyAsync(cluster.Admin, "fuzz");
        var held = await AuthorizeAsync(cluster.Metering, "held", account: "fuzz");
        Assert.True(Allowed(held));
        var reservation = held.GetProperty("reservation_id").GetString()!;
        var before = await StateAsync(cluster, keyId);

        var templates = Templates(keyId, key, reservation);
        var random = new Random(20261201);
        var cases = Enumerable.Range(0, Requests).Select(_ => Mutate(templates[random.Next(templates.Length)], random)).ToList();
        var statuses = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (request, _) =>
        {
            var client = request.Template.Admin ? cluster.Admin : cluster.Metering;
            try
            {
                using var response = await client.SendAsync(request.ToMessage());
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                var text = await response.Content.ReadAsStringAsync();
                // A GET with a parameter it does not take may answer, and an authorize with a key that is no key is
                // denied (invalid_api_key: it still counts against the caller IP); anything else broken must be refused.
                var mayAnswer = request.Template.Method == "GET"
                    || (request.Template.Path == "/v1/authorize" && response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains("\"allowed\":false", StringComparison.Ordinal));
                if ((int)response.StatusCode >= 500 || (response.IsSuccessStatusCode && !mayAnswer)) failures.Enqueue($"{(int)response.StatusCode} for {request}: {text}");

                // Kestrel refuses a NUL in a path itself, with a bare 400, before any endpoint sees the request.
                var refusedByKestrel = response.StatusCode == HttpStatusCode.BadRequest && text.Length == 0 && request.Path.Contains("%00", StringComparison.Ordinal);
                if (!response.IsSuccessStatusCode && !refusedByKestrel && !text.Contains("\"code\"", StringComparison.Ordinal)) failures.Enqueue($"no error code for {request}: {text}");
            }
            catch (HttpRequestException ex)
            {
                failures.Enqueue($"connection dropped for {request}: {ex.Message}");
            }
        });

        output.WriteLine($"{cases.Count} malformed requests: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Value} × {s.Key}")));
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
        Assert.Equal(before, await StateAsync(cluster, keyId));
    }

    /// <summary>What the account, its key, the model and the caller IP hold, as the admin API shows it.</summary>
    private static async Task<string> StateAsync(TestCluster cluster, string keyId)
    {
        var account = await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/fuzz?ledger_limit=50"));
        var limits = await ReadAsync(await cluster.Admin.GetAsync("/admin/accounts/fuzz/limits"));
        var day = limits.GetProperty("current").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "tokens_per_day");
        var key = await ReadAsync(await cluster.Admin.GetAsync($"/admin/keys/{keyId}"));
        var model = await ReadAsync(await cluster.Admin.GetAsync("/admin/models/m1"));
        var ipDefaults = await ReadAsync(await cluster.Admin.GetAsync("/admin/ips/defaults/limits"));
        return string.Join("\n", account.GetProperty("balance"), account.GetProperty("pending"), account.GetProperty("status"),
            account.GetProperty("ledger").GetRawText(), account.GetProperty("trial").GetRawText(), limits.GetProperty("settings").GetRawText(),
            day.GetProperty("remaining"), key.GetRawText(), model.GetRawText(), ipDefaults.GetProperty("settings").GetRawText());
    }

    /// <param name="BodyOptional">The endpoint takes no body at all too (revoke): an empty one is not broken.</param>
    private sealed record Template(string Method, string Path, Dictionary<string, object?> Body, bool Admin, string[] Fields, bool BodyOptional = false);

    private static Template[] Templates(string keyId, string key, string reservation)
    {
        Template Admin(string method, string path, Dictionary<string, object?> body) => new(method, path, body, true, [.. body.Keys]);
        Template Meter(string path, Dictionary<string, object?> body) => new("POST", path, body, false, [.. body.Keys]);
        var limits = new Dictionary<string, object?> { ["requests_per_minute"] = 10, ["tokens_per_minute"] = 1000, ["tokens_per_day"] = 5000, ["max_concurrent"] = 2, ["actor"] = "ops" };
        return
        [
            Admin("POST", "/admin/accounts", new() { ["account_id"] = "fz-new", ["initial_credit"] = 5, ["overdraft_limit"] = 0, ["actor"] = "ops" }),
            Admin("GET", "/admin/accounts/fuzz?ledger_limit=5", []),
            Admin("GET", "/admin/accounts?prefix=fu&limit=5", []),
            Admin("GET", "/admin/accounts/fuzz/keys", []),
            Admin("POST", "/admin/accounts/fuzz/adjustments", new() { ["amount"] = 5, ["reason"] = "fuzz", ["actor"] = "ops", ["idempotency_key"] = "fz" }),
            Admin("POST", "/admin/accounts/fuzz/trial", new() { ["credit"] = 5, ["tokens"] = 5, ["requests"] = 5, ["expires_at"] = "2099-01-01T00:00:00Z", ["actor"] = "ops" }),
            Admin("PUT", "/admin/accounts/fuzz/status", new() { ["status"] = "suspended", ["actor"] = "ops" }),
            Admin("POST", "/admin/accounts/fuzz/keys", new() { ["name"] = "fz", ["actor"] = "ops" }),
            Admin("POST", $"/admin/keys/{keyId}/revoke", new() { ["actor"] = "ops" }) with { BodyOptional = true },
            Admin("GET", $"/admin/keys/{keyId}", []),
            Admin("POST", "/admin/models/m1/prices", new() { ["input_per_million"] = 5, ["output_per_million"] = 5, ["effective_at"] = "2099-01-01T00:00:00Z", ["actor"] = "ops" }),
            Admin("GET", "/admin/models/m1", []),
            Admin("PUT", "/admin/accounts/fuzz/limits", limits),
            Admin("PUT", $"/admin/keys/{keyId}/limits", limits),
            Admin("PUT", "/admin/models/m1/limits", limits),
            Admin("PUT", "/admin/ips/defaults/limits", limits),
            Admin("GET", "/api/usage?account=fuzz&group_by=model", []),
            Meter("/v1/authorize", new() { ["request_id"] = "fz-r", ["account_id"] = "fuzz", ["caller_ip"] = "198.51.100.7", ["model"] = "m1", ["estimated_input_tokens"] = 10, ["max_output_tokens"] = 10, ["ttl_seconds"] = 60 }),
            Meter("/v1/authorize", new() { ["request_id"] = "fz-k", ["api_key"] = key, ["caller_ip"] = "198.51.100.7", ["model"] = "m1", ["estimated_input_tokens"] = 10, ["max_output_tokens"] = 10 }),
            Meter("/v1/settle", new() { ["reservation_id"] = reservation, ["input_tokens"] = 10, ["output_tokens"] = 10, ["outcome"] = "success", ["stream"] = false, ["latency_ms"] = 5 }),
            Meter("/v1/void", new() { ["reservation_id"] = reservation }),
            Meter("/v1/usage", new() { ["id"] = "fz-u", ["account_id"] = "fuzz", ["model"] = "m1", ["input_tokens"] = 10, ["output_tokens"] = 10, ["outcome"] = "success", ["stream"] = false, ["latency_ms"] = 5, ["caller_ip"] = "198.51.100.7" }),
        ];
    }

    /// <summary>One request: the template with one thing broken.</summary>
    private sealed record Case(Template Template, string Path, byte[]? Body, bool Chunked, string What)
    {
        public HttpRequestMessage ToMessage()
        {
            var message = new HttpRequestMessage(new HttpMethod(Template.Method), Path);
            if (Body is not null) message.Content = Chunked ? new StreamContent(new MemoryStream(Body)) : new ByteArrayContent(Body);
            if (Chunked) message.Headers.TransferEncodingChunked = true;
            return message;
        }

        public override string ToString() => $"{Template.Method} {Path} ({What})";
    }

    // Each breaks any request it is applied to: no mutation here can make an invalid request valid.
    private static readonly string[] BadStrings = ["\u0000", "a\u0000b", "\ud800", "x\udfff", "\u0007", "line\nbreak", new string('a', 10_000)];
    private static readonly string[] BadNumbers = ["1e400", "99999999999999999999999", "1.5", "-0.5e-3", "0x10", "NaN", "Infinity"];
    private static readonly string[] WrongTypes = ["true", "[]", "{}", "[1,{\"a\":[]}]", "{\"$ref\":1}"]; // no string: a string field would take it
    private static readonly string[] BadIds = ["%00", "a%00b", "%ED%A0%80", "%FF%FE", "%E2%80%AE", new string('x', 5_000), "a%20b", "%2E%2E"];

    private static Case Mutate(Template template, Random random)
    {
        var chunked = random.Next(4) == 0;
        if (template.Fields.Length == 0 || random.Next(6) == 0) return BrokenPath(template, random, chunked);
        var field = template.Fields[random.Next(template.Fields.Length)];
        var values = template.Body.ToDictionary(p => p.Key, p => JsonSerializer.Serialize(p.Value));
        string what;
        byte[]? raw = null;
        switch (random.Next(9))
        {
            case 0:
                values[field] = Escaped(BadStrings[random.Next(BadStrings.Length)]);
                what = $"{field} = bad text";
                break;
            case 1:
                values[field] = BadNumbers[random.Next(BadNumbers.Length)];
                what = $"{field} = {values[field]}";
                break;
            case 2:
                values[field] = WrongTypes[random.Next(WrongTypes.Length)];
                what = $"{field} = {values[field]}";
                break;
            case 3:
                values[field] = "\"\u0001INVALID\u0001\""; // replaced by invalid UTF-8 below
                what = $"{field} = invalid UTF-8";
                raw = Encoding.UTF8.GetBytes(Json(values)).Select(b => b == 1 ? (byte)0xFF : b).ToArray();
                break;
            case 4:
                values["unexpected_" + field] = "1";
                what = "an unknown field";
                break;
            case 5:
                values[field] = $"\"{new string('a', 70_000)}\"";
                what = "a body over 64 KiB";
                break;
            case 6:
                raw = Encoding.UTF8.GetBytes(Json(values))[..^random.Next(1, 4)];
                what = "cut short";
                break;
            case 7:
                raw = random.Next(2) == 0 && !template.BodyOptional ? [] : Enumerable.Range(0, 64).Select(_ => (byte)random.Next(256)).ToArray();
                what = raw.Length == 0 ? "empty" : "random bytes";
                break;
            default:
                values.Remove(field);
                values[field] = "{\"deep\":" + string.Concat(Enumerable.Repeat("[", 100)) + string.Concat(Enumerable.Repeat("]", 100)) + "}";
                what = $"{field} nested 100 deep";
                break;
        }
        // A GET has no body to break: its query is broken instead.
        if (template.Method == "GET") return BrokenQuery(template, random, chunked);
        return new Case(template, template.Path, raw ?? Encoding.UTF8.GetBytes(Json(values)), chunked, what);
    }

    /// <summary>A JSON string literal of any UTF-16 text, lone surrogates and control characters escaped as \uXXXX.</summary>
    private static string Escaped(string text) =>
        "\"" + string.Concat(text.Select(c => c < ' ' || c is '"' or '\\' || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString())) + "\"";

    private static string Json(Dictionary<string, string> values) => "{" + string.Join(",", values.Select(p => $"\"{p.Key}\":{p.Value}")) + "}";

    private static Case BrokenPath(Template template, Random random, bool chunked)
    {
        var id = BadIds[random.Next(BadIds.Length)];
        var path = System.Text.RegularExpressions.Regex.Replace(template.Path, "/keys/[0-9a-f]{16}", $"/keys/{id}")
            .Replace("/fuzz", "/" + id).Replace("/m1/", $"/{id}/").Replace("/defaults/", $"/{id}/");
        if (path == template.Path) return BrokenQuery(template, random, chunked);
        var body = template.Method == "GET" ? null : Encoding.UTF8.GetBytes(JsonSerializer.Serialize(template.Body));
        return new Case(template, path, body, chunked && body is not null, $"path id {id[..Math.Min(id.Length, 20)]}");
    }

    private static Case BrokenQuery(Template template, Random random, bool chunked)
    {
        string[] queries = ["ledger_limit=-1", "ledger_limit=1e9", "limit=0", "limit=abc", "since=yesterday", "group_by=password", "until=%00",
            "prefix=%00", "after=a%20b", "group_by=model&group_by=model", "ledger_before=%ED%A0%80", "period=week", "account=%00"];
        var path = template.Path.Split('?')[0] + "?" + queries[random.Next(queries.Length)];
        if (template.Method != "GET")
        {
            // The body stays valid, but a query parameter no endpoint takes on a POST is not an error: break the body instead.
            return new Case(template, template.Path, Encoding.UTF8.GetBytes("{\"" + new string('z', 3) + "\":"), chunked, "cut JSON");
        }
        return new Case(template, path, null, false, $"query {path.Split('?')[1]}");
    }
}
