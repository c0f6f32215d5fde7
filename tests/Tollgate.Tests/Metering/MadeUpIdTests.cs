using Microsoft.Extensions.DependencyInjection;
using Tollgate.Grains;
using Tollgate.Grains.Keys;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Metering;

/// <summary>
/// Callers choose the API keys and model names a gateway asks about, at no cost to them. Grains for ids
/// that hold nothing must not stay in memory for the idle age, or made-up ids would fill a silo. (Caller
/// IPs are bounded by the addresses a caller really has, and stay like any grain.)
/// </summary>
public sealed class MadeUpIdTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Grains_of_made_up_ids_go_soon_and_real_ones_stay()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database, 1, null, null,
            silo => silo.Services.Configure<MadeUpIdOptions>(o => o.Lifetime = TimeSpan.FromSeconds(5)));
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await CreateAccountAsync(cluster.Admin, "real", 1_000_000);
        var (realKeyId, realKey) = await CreateKeyAsync(cluster.Admin, "real");
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "ok", apiKey: realKey)));

        for (var i = 0; i < 50; i++)
        {
            Assert.True(ApiKeyFormat.TryParse($"{ApiKeyFormat.Prefix}{i:x16}_{new string('A', 43)}", out _, out _));
            Assert.Equal("invalid_api_key", Reason(await AuthorizeAsync(cluster.Metering, $"k{i}", apiKey: $"{ApiKeyFormat.Prefix}{i:x16}_{new string('A', 43)}", ip: $"203.0.113.{i}")));
            Assert.Equal("account_not_found", Reason(await AuthorizeAsync(cluster.Metering, $"a{i}", account: $"nobody-{i}")));
            Assert.Equal("model_unknown", Reason(await AuthorizeAsync(cluster.Metering, $"m{i}", account: "real", model: $"made-up-{i}")));
            // Each answer came from an activation of the made-up id (seen for the first ones, well inside their lifetime).
            if (i == 0) Assert.Superset(new HashSet<string> { "apikey/0000000000000000", "account/nobody-0", "model/made-up-0" }, await ActiveKeysAsync(cluster));
        }

        // Far younger than the idle age (15 minutes), the made-up ones go anyway.
        await Eventually.TrueAsync(async () => (await ActiveKeysAsync(cluster)).All(key => !IsMadeUp(key, realKeyId)),
            "activations of made-up ids stayed", seconds: 30);
        var left = await ActiveKeysAsync(cluster);
        Assert.Contains("account/real", left);
        Assert.Contains($"apikey/{realKeyId}", left);
        Assert.Contains("model/m1", left);

        // And they come back as they were when asked again.
        Assert.Equal("account_not_found", Reason(await AuthorizeAsync(cluster.Metering, "again", account: "nobody-1")));
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "ok2", apiKey: realKey)));
    }

    private static bool IsMadeUp(string key, string realKeyId) =>
        key.StartsWith("account/nobody-", StringComparison.Ordinal) || key.StartsWith("model/made-up-", StringComparison.Ordinal)
        || (key.StartsWith("apikey/", StringComparison.Ordinal) && key != $"apikey/{realKeyId}");

    /// <summary>Tollgate's activations as "type/key".</summary>
    private static async Task<HashSet<string>> ActiveKeysAsync(TestCluster cluster) =>
        (await cluster.ActivationsAsync()).Select(a => a.GrainId.ToString()).Where(id => !id.StartsWith("sys", StringComparison.Ordinal)).ToHashSet();
}
