using Tollgate.Grains;
using Tollgate.Grains.Keys;
using Tollgate.Runtime.Activations;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Metering;

/// <summary>
/// Callers choose the API keys and model names a gateway asks about, at no cost to them. Grains for ids
/// that hold nothing must not stay in memory for the idle age, or made-up ids would fill a silo. (Caller
/// IPs are bounded by the addresses a caller really has, and stay like any grain.)
/// </summary>
[Collection("postgres")]
public sealed class MadeUpIdTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Grains_of_made_up_ids_go_at_the_next_collection_and_real_ones_stay()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
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
        }
        var catalog = cluster.SiloService<Catalog>();
        Assert.True(catalog.Activations.Count() > 150);

        // Used a moment ago, far younger than the idle age: the made-up ones go anyway.
        await catalog.CollectIdleAsync(TimeSpan.FromHours(1), CancellationToken.None);

        var left = catalog.Activations.Select(a => a.Id).ToHashSet();
        Assert.Contains(GrainTypes.AccountId("real"), left);
        Assert.Contains(GrainTypes.ApiKeyId(realKeyId), left);
        Assert.Contains(GrainTypes.ModelId("m1"), left);
        Assert.DoesNotContain(left, id => id.Key.StartsWith("nobody-", StringComparison.Ordinal) || id.Key.StartsWith("made-up-", StringComparison.Ordinal));
        Assert.DoesNotContain(left, id => id.Type == GrainTypes.ApiKey && id.Key != realKeyId);

        // And they come back as they were when asked again.
        Assert.Equal("account_not_found", Reason(await AuthorizeAsync(cluster.Metering, "again", account: "nobody-1")));
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "ok2", apiKey: realKey)));
    }
}
