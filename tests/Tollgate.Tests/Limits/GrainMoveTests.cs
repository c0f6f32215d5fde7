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
