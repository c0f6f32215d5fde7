using System.Net;
using System.Text.Json;
using Orleans.Hosting;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Metering;
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
        Assert.True(ApiKeyFormat.TryParse(WrongSecret(keyId), out _, out var wrongHash));
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

    [Fact]
    public async Task A_key_seen_admitted_has_its_account_asked_with_it_and_only_its_own_secret_reaches_the_account()
    {
        // The key's grain holds back the answer of request "together" until the account's authorize of it arrives (or 3 s pass).
        var accountAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var accountAuthorizes = new System.Collections.Concurrent.ConcurrentBag<string>();
        var keyWaitedForAccount = false;
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 1, null, null, silo => silo.AddIncomingGrainCallFilter(async context =>
        {
            var argument = context.Request.GetArgumentCount() == 1 ? context.Request.GetArgument(0) : null;
            if (argument is AuthorizeKey { RequestId: "together" })
                keyWaitedForAccount = await Task.WhenAny(accountAsked.Task, Task.Delay(TimeSpan.FromSeconds(3))) == accountAsked.Task;
            if (argument is AuthorizeAccount authorize)
            {
                accountAuthorizes.Add(authorize.RequestId);
                if (authorize.RequestId == "together") accountAsked.TrySetResult();
            }
            await context.Invoke();
        }), []);
        await MeteringCalls.CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000);
        await MeteringCalls.SetPriceAsync(cluster.Admin, "m1", 1, 1);
        var (keyId, key) = await MeteringCalls.CreateKeyAsync(cluster.Admin, "acme");

        Assert.True(MeteringCalls.Allowed(await MeteringCalls.AuthorizeAsync(cluster.Metering, "first", apiKey: key))); // the key, then its account
        Assert.True(MeteringCalls.Allowed(await MeteringCalls.AuthorizeAsync(cluster.Metering, "together", apiKey: key)));
        Assert.True(keyWaitedForAccount, "the account was asked only after the key answered");

        var wrongSecret = WrongSecret(keyId);
        Assert.Equal("invalid_api_key", MeteringCalls.Reason(await MeteringCalls.AuthorizeAsync(cluster.Metering, "wrong-secret", apiKey: wrongSecret)));
        Assert.DoesNotContain("wrong-secret", accountAuthorizes);

        // Revoked: the account asked with the key held nothing once the key's refusal is answered.
        using (var revoked = await cluster.Admin.PostAsync($"/admin/keys/{keyId}/revoke", Json("""{"actor":"ops"}"""))) Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal("key_revoked", MeteringCalls.Reason(await MeteringCalls.AuthorizeAsync(cluster.Metering, "revoked", apiKey: key)));
        Assert.Contains("revoked", accountAuthorizes);
        Assert.Equal("key_revoked", MeteringCalls.Reason(await MeteringCalls.AuthorizeAsync(cluster.Metering, "revoked-again", apiKey: key)));
        Assert.DoesNotContain("revoked-again", accountAuthorizes); // forgotten: asked alone again
        var account = await cluster.Grains.Account("acme").Get(new GetAccount(0, null));
        Assert.Equal(2, account.ActiveReservations); // "first" and "together"
    }

    /// <summary>A well-formed key for <paramref name="keyId"/> whose secret is not its own.</summary>
    private static string WrongSecret(string keyId) => ApiKeyFormat.Prefix + keyId + "_" + new string('A', 43);
}
