using System.Net;
using System.Text.Json;
using Tollgate.Grains;
using Tollgate.Grains.Keys;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;
using static Tollgate.Tests.Infrastructure.MeteringCalls;
using static Tollgate.Tests.Infrastructure.ProxyCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>
/// Model access per key (<c>PUT /admin/keys/{keyId}/models</c>): what the key's patterns allow goes through, any other
/// model is refused in the same authorize, at the proxy (403 model_not_allowed) and the metering API alike, and
/// <c>GET /v1/models</c> lists only what the key may use. The key grain is the one place it is decided.
/// </summary>
public sealed class KeyModelAccessTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Mini = "demo-mini"; // allowed by demo*, as the stack's own model "demo" is
    private const string Other = "other";    // not allowed

    [Fact]
    public async Task A_model_the_key_may_not_use_is_403_at_the_proxy_and_denied_at_authorize_charging_and_holding_nothing()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddModelAsync(Other);
        var admin = stack.Cluster.Admin;
        await AdminAsync(admin, HttpMethod.Put, $"/admin/keys/{stack.KeyId}/limits", """{"max_concurrent":1}""");
        await AdminAsync(admin, HttpMethod.Put, $"/admin/models/{Other}/limits", """{"max_concurrent":1}""");

        var set = await SetModelsAsync(admin, stack.KeyId, """{"models":["demo*"],"actor":"ops"}""");
        Assert.Equal(["demo*"], Patterns(set));
        Assert.Equal("ops", set.GetProperty("updated_by").GetString());

        for (var i = 0; i < 3; i++)
        {
            using var refused = await stack.Proxy().SendAsync(Chat($$"""{"model":"{{Other}}","messages":[{"role":"user","content":"Hi"}]}"""));
            var text = await refused.Content.ReadAsStringAsync();
            await AssertErrorAsync(refused, HttpStatusCode.Forbidden, Grains.Limits.Denials.ModelNotAllowed);
            var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
            Assert.Equal(("invalid_request_error", "model"), (error.GetProperty("type").GetString(), error.GetProperty("param").GetString()));
        }
        var denied = await AuthorizeAsync(stack.Cluster.Metering, "metered-other", apiKey: stack.Key, model: Other);
        Assert.False(Allowed(denied));
        Assert.Equal("model_not_allowed", Reason(denied));

        // Nothing was forwarded, charged or held: the key's one slot and the model's one slot are free, the account holds nothing.
        Assert.Empty(stack.Received.Snapshot());
        Assert.Equal(1, await RemainingConcurrencyAsync(admin, $"/admin/keys/{stack.KeyId}/limits"));
        Assert.Equal(1, await RemainingConcurrencyAsync(admin, $"/admin/models/{Other}/limits"));
        var account = await GetAsync(admin, $"/admin/accounts/{ProxyStack.Account}");
        Assert.Equal((ProxyStack.Credit, 0L), (account.GetProperty("balance").GetInt64(), account.GetProperty("pending").GetInt64()));
        Assert.Equal(0, await Ledger.ScalarAsync(stack.Cluster.Database, "SELECT count(*) FROM usage_events WHERE denial IS NULL"));

        // What the patterns allow still goes, in the key's one slot.
        using var allowed = await stack.Proxy().SendAsync(Chat($$"""{"model":"{{ProxyStack.Model}}","messages":[{"role":"user","content":"Hi"}]}"""));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task The_model_list_shows_only_what_the_key_may_use_and_every_gateway_follows_the_key_at_once()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        await stack.AddModelAsync(Mini);
        await stack.AddModelAsync(Other);
        await stack.Cluster.AddGatewayAsync();
        var secondAdmin = stack.Cluster.ClientOf(1, TestCluster.AdminToken);
        Assert.Equal([ProxyStack.Model, Mini, Other], await ListedAsync(stack.Proxy(1))); // every model, before any restriction

        await SetModelsAsync(stack.Cluster.Admin, stack.KeyId, $$"""{"models":["demo*","{{Mini}}"]}""");
        Assert.Equal([ProxyStack.Model, Mini], await ListedAsync(stack.Proxy(1)));
        using (var refused = await stack.Proxy(1).SendAsync(Chat($$"""{"model":"{{Other}}","messages":[{"role":"user","content":"Hi"}]}""")))
            await AssertErrorAsync(refused, HttpStatusCode.Forbidden, "model_not_allowed");
        using (var allowed = await stack.Proxy(1).SendAsync(Chat($$"""{"model":"{{Mini}}","messages":[{"role":"user","content":"Hi"}]}""")))
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);

        // An exact name allows that name only.
        await SetModelsAsync(secondAdmin, stack.KeyId, $$"""{"models":["{{ProxyStack.Model}}"]}""");
        Assert.Equal([ProxyStack.Model], await ListedAsync(stack.Proxy(0)));
        using (var refused = await stack.Proxy(0).SendAsync(Chat($$"""{"model":"{{Mini}}","messages":[{"role":"user","content":"Hi"}]}""")))
            await AssertErrorAsync(refused, HttpStatusCode.Forbidden, "model_not_allowed");

        // null clears the list: every model again, on both gateways.
        var cleared = await SetModelsAsync(secondAdmin, stack.KeyId, """{"models":null}""");
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("models").ValueKind);
        Assert.Equal([ProxyStack.Model, Mini, Other], await ListedAsync(stack.Proxy(0)));
        using (var allowed = await stack.Proxy(0).SendAsync(Chat($$"""{"model":"{{Other}}","messages":[{"role":"user","content":"Hi"}]}""")))
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.True(Allowed(await AuthorizeAsync(stack.Cluster.Metering, "metered-other", apiKey: stack.Key, model: Other)));
    }

    [Fact]
    public async Task The_models_of_a_key_are_stored_with_it_and_outlive_its_silo()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000);
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await SetPriceAsync(cluster.Admin, "m2", 1_000_000, 1_000_000);
        var (keyId, key) = await CreateKeyAsync(cluster.Admin, "acme");
        await SetModelsAsync(cluster.Admin, keyId, """{"models":["m1"]}""");

        await cluster.StopSiloAsync();
        await cluster.StartSiloAsync();
        Assert.Equal(["m1"], Patterns(await GetAsync(cluster.Admin, $"/admin/keys/{keyId}/models")));
        Assert.Equal(["m1"], Patterns(await GetAsync(cluster.Admin, $"/admin/keys/{keyId}"))); // the key's own view shows them too
        Assert.Equal("model_not_allowed", Reason(await AuthorizeAsync(cluster.Metering, "r2", apiKey: key, model: "m2")));
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "r1", apiKey: key, model: "m1")));
        Assert.Equal(1, await Ledger.ScalarAsync(database,
            "SELECT count(*) FROM orleans_storage WHERE state_name = 'apikey' AND convert_from(payload, 'UTF8')::jsonb->'Models' = '[\"m1\"]'::jsonb"));
    }

    [Fact]
    public void A_key_stored_before_model_access_existed_may_use_every_model()
    {
        // A key's state as stored before the Models field: nothing in it restricts the key.
        const string stored = """{"AccountId":"acme","SecretHash":"ab","Name":"default","CreatedAt":"2026-01-01T00:00:00+00:00","RevokedAt":null,"Actor":"admin","RevokedBy":null,"Limits":null}""";
        var state = new GrainStateSerializer().Deserialize<Tollgate.Grains.Keys.ApiKeyState>(new BinaryData(stored))!;
        Assert.Null(state.Models);
        Assert.True(ModelAccess.Allows(state.Models, "any-model"));
    }

    [Fact]
    public async Task Bad_model_lists_are_400_with_a_stable_code_and_change_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        await CreateAccountAsync(cluster.Admin, "acme", 0);
        var (keyId, _) = await CreateKeyAsync(cluster.Admin, "acme");
        await SetModelsAsync(cluster.Admin, keyId, """{"models":["gpt-4o*"]}""");

        var tooMany = JsonSerializer.Serialize(new { models = Enumerable.Range(0, ModelAccess.MaxPatterns + 1).Select(i => $"m{i}") });
        var tooLong = JsonSerializer.Serialize(new { models = new[] { new string('m', ModelAccess.MaxPatternLength + 1) } });
        string[] badPatterns = ["""{"models":[]}""", """{"models":["gpt-*-mini"]}""", """{"models":["*gpt"]}""", """{"models":["gpt**"]}""",
            """{"models":["a b"]}""", """{"models":[""]}""", """{"models":["gpt\u0000"]}""", tooMany, tooLong];
        foreach (var body in badPatterns)
            await AssertErrorAsync(await PutModelsAsync(cluster.Admin, keyId, body), HttpStatusCode.BadRequest, "invalid_model_pattern");
        await AssertErrorAsync(await PutModelsAsync(cluster.Admin, keyId, "{}"), HttpStatusCode.BadRequest, "missing_field");
        await AssertErrorAsync(await PutModelsAsync(cluster.Admin, keyId, """{"models":"gpt-4o"}"""), HttpStatusCode.BadRequest, "invalid_field");
        await AssertErrorAsync(await PutModelsAsync(cluster.Admin, keyId, """{"models":[1]}"""), HttpStatusCode.BadRequest, "invalid_field");
        await AssertErrorAsync(await PutModelsAsync(cluster.Admin, keyId, """{"model":["gpt-4o"]}"""), HttpStatusCode.BadRequest, "missing_field");
        await AssertErrorAsync(await PutModelsAsync(cluster.Admin, keyId, """{"models":["gpt-4o"],"note":1}"""), HttpStatusCode.BadRequest, "unknown_field");
        await AssertErrorAsync(await PutModelsAsync(cluster.Admin, "0123456789abcdef", """{"models":["gpt-4o"]}"""), HttpStatusCode.NotFound, "key_not_found");
        await AssertErrorAsync(await PutModelsAsync(cluster.Admin, "not-a-key", """{"models":["gpt-4o"]}"""), HttpStatusCode.BadRequest, "invalid_key_id");
        await AssertErrorAsync(await cluster.Admin.GetAsync("/admin/keys/0123456789abcdef/models"), HttpStatusCode.NotFound, "key_not_found");
        // The grain checks for itself, whoever calls it.
        var refused = await Assert.ThrowsAsync<TollgateException>(() => cluster.Grains.ApiKey(keyId).SetModels(new SetKeyModels(["*gpt"], "ops")));
        Assert.Equal(ApiKeyErrors.InvalidModelPattern, refused.Code);

        Assert.Equal(["gpt-4o*"], Patterns(await GetAsync(cluster.Admin, $"/admin/keys/{keyId}/models")));
        // At the limits, and repeated names kept once.
        var longest = new string('m', ModelAccess.MaxPatternLength - 1) + "*";
        Assert.Equal(["*", longest, "openai/gpt-4.1@2025:x+y_z"],
            Patterns(await SetModelsAsync(cluster.Admin, keyId, $$"""{"models":["*","{{longest}}","*","openai/gpt-4.1@2025:x+y_z"]}""")));
    }

    private static async Task<JsonElement> SetModelsAsync(HttpClient admin, string keyId, string body)
    {
        using var response = await PutModelsAsync(admin, keyId, body);
        return (await ReadAsync(response)).Clone();
    }

    private static Task<HttpResponseMessage> PutModelsAsync(HttpClient admin, string keyId, string body) =>
        admin.PutAsync($"/admin/keys/{keyId}/models", Json(body));

    private static async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return (await ReadAsync(response)).Clone();
    }

    private static string[] Patterns(JsonElement view) => [.. view.GetProperty("models").EnumerateArray().Select(model => model.GetString()!)];

    private static async Task<string[]> ListedAsync(HttpClient proxy) =>
        [.. (await GetAsync(proxy, "/v1/models")).GetProperty("data").EnumerateArray().Select(model => model.GetProperty("id").GetString()!).Order(StringComparer.Ordinal)];

    private static async Task<long> RemainingConcurrencyAsync(HttpClient admin, string limitsPath) =>
        (await GetAsync(admin, limitsPath)).GetProperty("current").EnumerateArray()
            .Single(limit => limit.GetProperty("name").GetString() == "max_concurrent").GetProperty("remaining").GetInt64();
}
