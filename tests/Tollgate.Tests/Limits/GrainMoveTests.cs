using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Cluster;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Limits;

/// <summary>
/// A grain that moves (Orleans' migration) or is deactivated (a silo's graceful stop, idle collection) carries its
/// rate windows, in-flight slots and holds to its next activation: nothing counted is forgotten.
/// </summary>
public sealed class GrainMoveTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly Price OneNanoUsdATokens = new(1_000_000, 1_000_000);
    private static readonly LimitSettings Limits = new(RequestsPerMinute: 5, TokensPerMinute: 10_000, TokensPerDay: 50_000, MaxConcurrent: 3);

    [Fact]
    public async Task A_migrated_account_keeps_its_windows_slots_and_holds()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 2, clock);
        var account = await BusyAccountAsync(cluster, "mover");
        var before = await StateAsync(account);

        var from = await cluster.HostOfAsync("account/mover");
        await cluster.MigrateAsync(account, 1 - from);

        Assert.Equal(1 - from, await cluster.HostOfAsync("account/mover"));
        Assert.Equal(before, await StateAsync(account));
        await AssertAtItsLimitsAsync(account);
    }

    [Fact]
    public async Task An_account_deactivated_by_its_silos_graceful_stop_keeps_its_windows_slots_and_holds()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 2, clock);
        var account = await BusyAccountAsync(cluster, "stopped");
        var before = await StateAsync(account);

        await cluster.StopSiloAsync(await cluster.HostOfAsync("account/stopped"));

        Assert.Equal(before, await StateAsync(account)); // activated again on the other silo, from the checkpoint
        await AssertAtItsLimitsAsync(account);
    }

    [Fact]
    public async Task A_whole_cluster_stopped_gracefully_and_started_keeps_a_used_up_day_held_slots_and_holds()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var database = await postgres.CreateDatabaseAsync();
        var day = new LimitSettings(RequestsPerMinute: null, TokensPerMinute: null, TokensPerDay: 100_000, MaxConcurrent: 2);
        (string Limits, long Pending, int Holds, long Balance) before;
        await using (var first = await StartWithoutPeriodicCheckpointsAsync(database, clock))
        {
            // The first request is beyond every loss budget, so a checkpoint holds it; the second is within them:
            // only the stop's checkpoints carry it.
            var account = first.Grains.Account("day");
            await account.Create(new CreateAccount(0, 1_000_000, "test"));
            await account.SetLimits(new SetLimits(day, "test"));
            Assert.True((await account.Authorize(new AuthorizeAccount("r0", null, 94_000, 1_000, OneNanoUsdATokens, 600))).Admission.Allowed);
            Assert.True((await account.Authorize(new AuthorizeAccount("r1", null, 3_000, 1_000, OneNanoUsdATokens, 600))).Admission.Allowed);
            var ip = first.Grains.CallerIp("10.9.8.7");
            Assert.True((await ip.Durably(grain => grain.Authorize(new AuthorizeIp("r0", 95_000, 600, day)), static admission => admission)).Allowed);
            Assert.True((await ip.Authorize(new AuthorizeIp("r1", 4_000, 600, day))).Allowed);
            before = await StateAsync(account);
            await first.StopSiloAsync(0);
            await first.StopSiloAsync(1);
        }
        clock.Advance(TimeSpan.FromMinutes(5));

        await using var second = await StartWithoutPeriodicCheckpointsAsync(database, clock);
        var again = second.Grains.Account("day");
        var after = await StateAsync(again);
        Assert.Equal((99_000, 2, 1_000_000), (after.Pending, after.Holds, after.Balance));
        Assert.Equal((before.Pending, before.Holds, before.Balance), (after.Pending, after.Holds, after.Balance));
        Assert.Equal("account.max_concurrent", (await again.Authorize(new AuthorizeAccount("r2", null, 1, 0, OneNanoUsdATokens, 600))).Admission.Denial?.Limit);
        await again.Settle(new SettleRequest("r0", "m", null, null, 94_000, 1_000, OneNanoUsdATokens, null, "success", false, null, null));
        Assert.Equal("account.tokens_per_day", (await again.Authorize(new AuthorizeAccount("r3", null, 2_000, 0, OneNanoUsdATokens, 600))).Admission.Denial?.Limit);
        Assert.False((await second.Grains.CallerIp("10.9.8.7").Authorize(new AuthorizeIp("r2", 2_000, 600, day))).Allowed);
    }

    private static Task<TestCluster> StartWithoutPeriodicCheckpointsAsync(string database, ManualClock clock) => TestCluster.StartAsync(database, 2, clock, commits: null,
        silo => silo.Services.Configure<LimitOptions>(o => o.CheckpointInterval = TimeSpan.FromHours(1)));

    /// <summary>An account at its limits: 4 of 5 requests this minute, 3 in flight (its slots, holding credit), 1 settled.</summary>
    private static async Task<IAccountGrain> BusyAccountAsync(TestCluster cluster, string id)
    {
        var account = cluster.Grains.Account(id);
        await account.Create(new CreateAccount(0, 1_000_000, "test"));
        await account.SetLimits(new SetLimits(Limits, "test"));
        for (var i = 0; i < 3; i++) Assert.True((await account.Authorize(new AuthorizeAccount($"r{i}", null, 1_000, 500, OneNanoUsdATokens, 600))).Admission.Allowed);
        await account.Settle(new SettleRequest("r0", "m", null, null, 800, 200, OneNanoUsdATokens, null, "success", false, null, null));
        Assert.True((await account.Authorize(new AuthorizeAccount("r3", null, 1_000, 500, OneNanoUsdATokens, 600))).Admission.Allowed);
        return account;
    }

    private static async Task<(string Limits, long Pending, int Holds, long Balance)> StateAsync(IAccountGrain account)
    {
        var limits = await account.GetLimits();
        var snapshot = await account.Get(new GetAccount(0, null));
        return (string.Join("; ", limits.Current), snapshot.Pending, snapshot.ActiveReservations, snapshot.Balance);
    }

    /// <summary>Its three slots are still taken, and once one frees the fifth request of the minute is the last.</summary>
    private static async Task AssertAtItsLimitsAsync(IAccountGrain account)
    {
        var full = await account.Authorize(new AuthorizeAccount("r4", null, 10, 10, OneNanoUsdATokens, 600));
        Assert.Equal("account.max_concurrent", full.Admission.Denial?.Limit);
        await account.Settle(new SettleRequest("r1", "m", null, null, 10, 10, OneNanoUsdATokens, null, "success", false, null, null));
        Assert.True((await account.Authorize(new AuthorizeAccount("r5", null, 10, 10, OneNanoUsdATokens, 600))).Admission.Allowed);
        await account.Settle(new SettleRequest("r2", "m", null, null, 10, 10, OneNanoUsdATokens, null, "success", false, null, null));
        var sixth = await account.Authorize(new AuthorizeAccount("r6", null, 10, 10, OneNanoUsdATokens, 600));
        Assert.Equal("account.requests_per_minute", sixth.Admission.Denial?.Limit);
    }
}
