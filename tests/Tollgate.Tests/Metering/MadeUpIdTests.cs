using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Grains;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Limits;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Metering;

/// <summary>
/// Callers choose the API keys, accounts and model names a gateway asks about, and the addresses they call
/// from (a /48 of IPv6 holds 65,536 /64s), at no cost to them. Grains for ids that hold nothing go soon,
/// however recently they were used; caller IPs go once idle for as long, however long their windows are,
/// and come back with their counts (a checkpoint). Otherwise such ids would fill a silo for the idle age (15 minutes)
/// or, for an IP counting a day's tokens, a day.
/// </summary>
public sealed class MadeUpIdTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Grains_of_made_up_ids_and_idle_caller_ips_go_soon_and_real_ones_stay()
    {
        await using var cluster = await StartAsync();
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await CreateAccountAsync(cluster.Admin, "real", 1_000_000);
        // Caller IPs are asked only where a limit applies: the defaults make it every one.
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/ips/defaults/limits", $$"""{"requests_per_minute":{{LimitSettings.MaxRate}}}""");
        var (realKeyId, realKey) = await CreateKeyAsync(cluster.Admin, "real");
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "ok", apiKey: realKey)));

        for (var i = 0; i < 50; i++)
        {
            var madeUpKey = MadeUpKey(i);
            Assert.True(ApiKeyFormat.TryParse(madeUpKey, out _, out _));
            Assert.Equal("invalid_api_key", Reason(await AuthorizeAsync(cluster.Metering, $"k{i}", apiKey: madeUpKey, ip: $"203.0.113.{i}")));
            Assert.Equal("account_not_found", Reason(await AuthorizeAsync(cluster.Metering, $"a{i}", account: $"nobody-{i}")));
            Assert.Equal("model_unknown", Reason(await AuthorizeAsync(cluster.Metering, $"m{i}", account: "real", model: $"made-up-{i}")));
            // Each answer came from an activation of the made-up id (seen for the first ones, well inside their lifetime).
            if (i == 0) Assert.Superset(new HashSet<string> { "apikey/0000000000000000", "account/nobody-0", "model/made-up-0", "ip/203.0.113.0" }, await ActiveKeysAsync(cluster));
        }
        for (var i = 0; i < 10; i++)
        {
            // A caller spread over IPv6 /64s, with a real key.
            Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, $"v6-{i}", apiKey: realKey, ip: $"2001:db8:0:{i:x}::1")));
            // The model list verifies the key it is shown.
            using var models = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
            models.Headers.Authorization = new AuthenticationHeaderValue("Bearer", MadeUpKey(1000 + i));
            using var refused = await cluster.Gateway.SendAsync(models);
            await Http.AssertErrorAsync(refused, HttpStatusCode.Unauthorized, "invalid_api_key");
        }
        var active = await ActiveKeysAsync(cluster);
        Assert.Contains("ip/2001:db8:0:9::/64", active);
        Assert.Contains($"apikey/{1000 + 9:x16}", active);
        var madeUp = active.Count(key => IsMadeUp(key, realKeyId));
        Assert.True(madeUp >= 50 * 4 + 2 * 10, $"only {madeUp} activations of made-up ids and caller IPs");

        // Far younger than the idle age (15 minutes), they go.
        var watch = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () => (await ActiveKeysAsync(cluster)).All(key => !IsMadeUp(key, realKeyId)),
            "activations of made-up ids or idle caller IPs stayed", seconds: 30);
        var left = await ActiveKeysAsync(cluster);
        Assert.Contains("account/real", left);
        Assert.Contains($"apikey/{realKeyId}", left);
        Assert.Contains("model/m1", left);
        Assert.Contains("ip/defaults", left); // one grain, read by every gateway: not a caller's
        output.WriteLine($"{madeUp} activations of made-up ids and caller IPs gone {watch.Elapsed.TotalSeconds:F1} s later; {left.Count} left");

        // And they come back as they were when asked again.
        Assert.Equal("account_not_found", Reason(await AuthorizeAsync(cluster.Metering, "again", account: "nobody-1")));
        Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, "ok2", apiKey: realKey)));
    }

    [Fact]
    public async Task A_caller_ip_released_early_still_counts_what_it_used()
    {
        await using var cluster = await StartAsync();
        await SetPriceAsync(cluster.Admin, "m1", 1_000_000, 1_000_000);
        await CreateAccountAsync(cluster.Admin, "real", 1_000_000_000);
        var (_, key) = await CreateKeyAsync(cluster.Admin, "real");
        // An IPv4 caller under the IP defaults (3 requests a minute), an IPv6 /64 with a day's tokens of its own.
        await AdminAsync(cluster.Admin, HttpMethod.Put, "/admin/ips/defaults/limits", """{"requests_per_minute":3}""");
        await AdminAsync(cluster.Admin, HttpMethod.Put, $"/admin/ips/{Uri.EscapeDataString("2001:db8:1:2::5")}/limits", """{"tokens_per_day":1000}""");
        await Eventually.TrueAsync(async () => (await AuthorizeAsync(cluster.Metering, $"probe-{Guid.NewGuid()}", apiKey: "tg_bad", ip: "203.0.113.50"))
            .GetProperty("limits").EnumerateArray().Any(l => l.GetProperty("scope").GetString() == "ip"), "the IP defaults never reached the gateway", seconds: 15);

        for (var i = 0; i < 3; i++) Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, $"v4-{i}", apiKey: key, ip: "198.51.100.7")));
        for (var i = 0; i < 2; i++) Assert.True(Allowed(await AuthorizeAsync(cluster.Metering, $"v6-{i}", apiKey: key, ip: "2001:db8:1:2::5", input: 300, output: 200)));
        await AssertDeniedAsync("v4-denied", "198.51.100.7", "ip.requests_per_minute");
        await AssertDeniedAsync("v6-denied", "2001:db8:1:2::9", "ip.tokens_per_day"); // the same /64

        // Meanwhile a busy caller IP, called every 0.7 s (not in step with the lifetime), stays: the lifetime is an idle time, not an age.
        await AuthorizeAsync(cluster.Metering, "busy", apiKey: key, ip: "198.51.100.8");
        using var stop = new CancellationTokenSource();
        var busy = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await Task.Delay(700);
                await AuthorizeAsync(cluster.Metering, $"busy-{i}", apiKey: key, ip: "198.51.100.8");
            }
        });
        var watch = Stopwatch.StartNew();
        var (released, busyAbsent) = (TimeSpan.Zero, 0);
        await Eventually.TrueAsync(async () =>
        {
            var active = await ActiveKeysAsync(cluster);
            if (!active.Contains("ip/198.51.100.8")) busyAbsent++;
            if (released == TimeSpan.Zero && !active.Overlaps(["ip/198.51.100.7", "ip/2001:db8:1:2::/64"])) released = watch.Elapsed;
            return released > TimeSpan.Zero && watch.Elapsed > 2 * Lifetime;
        }, "the idle caller IPs stayed", seconds: 30);
        await stop.CancelAsync();
        await busy;
        Assert.Equal(0, busyAbsent);
        output.WriteLine($"both idle caller IPs released {released.TotalSeconds:F1} s after their last call; the busy one stayed for {watch.Elapsed.TotalSeconds:F1} s");

        // Back within the minute (and the day): what they used is still counted.
        await AssertDeniedAsync("v4-back", "198.51.100.7", "ip.requests_per_minute");
        await AssertDeniedAsync("v6-back", "2001:db8:1:2::5", "ip.tokens_per_day");

        async Task AssertDeniedAsync(string requestId, string ip, string limit)
        {
            var denied = await AuthorizeAsync(cluster.Metering, requestId, apiKey: key, ip: ip, input: 300, output: 200);
            Assert.Equal("rate_limited", Reason(denied));
            Assert.Equal(limit, denied.GetProperty("limit").GetString());
        }
    }

    private async Task<TestCluster> StartAsync() => await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 1, null, null,
        silo => silo.Services.Configure<MadeUpIdOptions>(o => o.Lifetime = Lifetime));

    private static string MadeUpKey(int i) => $"{ApiKeyFormat.Prefix}{i:x16}_{new string('A', 43)}";

    /// <summary>An activation that must go early: of a made-up id, or of a caller IP (not the IP defaults).</summary>
    private static bool IsMadeUp(string key, string realKeyId) =>
        key.StartsWith("account/nobody-", StringComparison.Ordinal) || key.StartsWith("model/made-up-", StringComparison.Ordinal)
        || (key.StartsWith("apikey/", StringComparison.Ordinal) && key != $"apikey/{realKeyId}")
        || (key.StartsWith("ip/", StringComparison.Ordinal) && key != $"ip/{GrainKeys.IpDefaults}");

    /// <summary>Tollgate's activations as "type/key".</summary>
    private static async Task<HashSet<string>> ActiveKeysAsync(TestCluster cluster) =>
        (await cluster.ActivationsAsync()).Select(a => a.GrainId.ToString()).Where(id => !id.StartsWith("sys", StringComparison.Ordinal)).ToHashSet();
}
