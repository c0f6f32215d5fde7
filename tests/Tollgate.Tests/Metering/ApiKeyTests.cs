using System.Net;
using System.Text.Json;
using Tollgate.Grains;
using Tollgate.Grains.Keys;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.Http;

namespace Tollgate.Tests.Metering;

public sealed class ApiKeyTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_key_is_shown_once_stored_hashed_verified_and_revoked()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await MeteringCalls.CreateAccountAsync(cluster.Admin, "acme", 0);

        using var created = await cluster.Admin.PostAsync("/admin/accounts/acme/keys", Json("""{"name":"prod","actor":"ops"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var key = body.GetProperty("key").GetString()!;
        var keyId = body.GetProperty("key_id").GetString()!;
        Assert.True(ApiKeyFormat.TryParse(key, out var parsedId, out var secretHash));
        Assert.Equal(keyId, parsedId);

        // Only the hash is stored; the secret appears nowhere in the database.
        var secret = key[(ApiKeyFormat.Prefix.Length + 17)..];
        Assert.Equal(0, await Ledger.ScalarAsync(database, "SELECT count(*) FROM orleans_storage WHERE position(convert_to($1, 'UTF8') in payload) > 0 OR position($1 in grain_key) > 0", secret));
        Assert.Equal(1, await Ledger.ScalarAsync(database,
            "SELECT count(*) FROM orleans_storage WHERE state_name = 'apikey' AND convert_from(payload, 'UTF8')::jsonb->>'SecretHash' = $1", secretHash));
        using (var view = await cluster.Admin.GetAsync($"/admin/keys/{keyId}"))
            Assert.DoesNotContain(secret, await view.Content.ReadAsStringAsync());

        var grain = cluster.Grains.ApiKey(keyId);
        Assert.Equal(new ApiKeyCheck(true, false, "acme"), await grain.Verify(new VerifyApiKey(secretHash)));
        Assert.True(ApiKeyFormat.TryParse(ApiKeyFormat.Prefix + keyId + "_" + new string('A', 43), out _, out var wrongHash));
        Assert.Equal(new ApiKeyCheck(false, false, null), await grain.Verify(new VerifyApiKey(wrongHash)));

        using (var revoked = await cluster.Admin.PostAsync($"/admin/keys/{keyId}/revoke", Json("""{"actor":"ops"}""")))
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(new ApiKeyCheck(false, true, "acme"), await grain.Verify(new VerifyApiKey(secretHash)));
        await cluster.StopSiloAsync();
        await cluster.StartSiloAsync();
        Assert.Equal(new ApiKeyCheck(false, true, "acme"), await grain.Verify(new VerifyApiKey(secretHash)));
    }

    [Fact]
    public async Task Bad_key_requests_are_4xx_with_clear_codes()
    {
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync());
        await AssertErrorAsync(await cluster.Admin.PostAsync("/admin/accounts/nobody/keys", Json("{}")), HttpStatusCode.NotFound, "account_not_found");
        await AssertErrorAsync(await cluster.Admin.GetAsync("/admin/keys/not-a-key-id"), HttpStatusCode.BadRequest, "invalid_key_id");
        await AssertErrorAsync(await cluster.Admin.GetAsync("/admin/keys/0123456789abcdef"), HttpStatusCode.NotFound, "key_not_found");
        await AssertErrorAsync(await cluster.Admin.PostAsync("/admin/keys/0123456789abcdef/revoke", Json("{}")), HttpStatusCode.NotFound, "key_not_found");
        Assert.False(ApiKeyFormat.TryParse("sk-not-ours", out _, out _));
    }
}
