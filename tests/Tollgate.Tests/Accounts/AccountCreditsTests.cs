using Tollgate.Grains;
using Tollgate.Grains.Accounts;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Accounts;

public sealed class AccountCreditsTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_thousand_concurrent_authorizes_never_hold_more_than_the_available_balance()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var account = cluster.Grains.Account("hot");
        await account.Create(new CreateAccount(OverdraftLimit: 0, InitialCredit: 500_000, "test"));

        var authorizes = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i =>
            Task.Run(async () => (RequestId: $"req-{i}", Answer: await account.HoldAsync($"req-{i}", 1_000, 60)))));

        var granted = authorizes.Where(r => r.Answer.Admission.Allowed).ToList();
        Assert.Equal(500, granted.Count);
        Assert.All(authorizes.Where(r => !r.Answer.Admission.Allowed), r => Assert.Equal(Denials.InsufficientCredit, r.Answer.Admission.Denial?.Reason));
        Assert.Equal(500_000, granted.Sum(r => r.Answer.Reserved));

        // Settle every grant concurrently, some under, some over their reservation.
        var costs = new Random(7);
        var actual = granted.ToDictionary(r => r.RequestId, _ => (long)costs.Next(0, 2_000));
        var settled = await Task.WhenAll(granted.Select(r =>
            Task.Run(() => account.ChargeAsync(r.RequestId, actual[r.RequestId]))));

        var totals = await Ledger.ReadAsync(database, "hot");
        Assert.Equal(totals.Balance, totals.LedgerSum);
        Assert.Equal(500_000 - settled.Sum(s => s.Charged), totals.Balance);
        Assert.True(totals.Balance >= 0, "no overdraft was allowed");
        Assert.Equal(actual.Values.Sum(), settled.Sum(s => s.Charged + s.Uncollected));
        var snapshot = await account.Get(new GetAccount(0, null));
        Assert.Equal(0, snapshot.Pending);
        Assert.Equal(totals.Balance, snapshot.Balance);
    }

    [Fact]
    public async Task An_authorize_does_not_wait_for_an_earlier_settle_to_commit_but_the_settle_does()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var account = cluster.Grains.Account("busy");
        var price = new Price(InputPerMillion: 1_000_000, OutputPerMillion: 1_000_000); // 1 nano-USD a token
        await account.Create(new CreateAccount(0, 1_000_000_000, "test"));
        Assert.True((await account.Authorize(new AuthorizeAccount("first", null, 100, 100, price, 60))).Admission.Allowed);

        // Hold the account's row so the settle's commit waits.
        await using var rowLock = await HeldLock.TakeAsync(database, "SELECT 1 FROM accounts WHERE account_id = 'busy' FOR UPDATE");
        var settle = account.Settle(new SettleRequest("first", "m", null, null, 50, 50, price, null, "success", false, null, null));
        await rowLock.WaitUntilBlockingAsync();

        // The next authorize is answered from memory meanwhile: its hold promises nothing durable.
        var second = await account.Authorize(new AuthorizeAccount("second", null, 100, 100, price, 60)).WaitAsync(TimeSpan.FromSeconds(8));
        Assert.True(second.Admission.Allowed);
        Assert.Equal(1_000_000_000 - 100 - 200, second.Available); // the settle's charge and the new hold, counted before they commit
        Assert.False(settle.IsCompleted, "a settle is answered only once it has committed");

        await rowLock.ReleaseAsync();
        Assert.Equal(100, (await settle).Charged);
        var totals = await Ledger.ReadAsync(database, "busy");
        Assert.Equal(totals.Balance, totals.LedgerSum);
        Assert.Equal(1_000_000_000 - 100, totals.Balance);
    }

    [Fact]
    public async Task An_authorize_waits_for_an_earlier_credit_to_commit()
    {
        var database = await postgres.CreateDatabaseAsync();
        var clock = new ObservedClock();
        await using var cluster = await TestCluster.StartAsync(database, 1, clock);
        var account = cluster.Grains.Account("topped-up");
        var price = new Price(InputPerMillion: 1_000_000, OutputPerMillion: 1_000_000); // 1 nano-USD a token
        await account.Create(new CreateAccount(0, 0, "test"));

        await using var rowLock = await HeldLock.TakeAsync(database, "SELECT 1 FROM accounts WHERE account_id = 'topped-up' FOR UPDATE");
        var credit = account.Adjust(new AdjustCredit(1_000, "bought", "test", "buy-1"));
        await rowLock.WaitUntilBlockingAsync(); // the credit is in memory, its commit waits
        var turnRan = clock.NextReadAsync();
        var authorize = account.Authorize(new AuthorizeAccount("paid-by-the-credit", null, 100, 100, price, 60));

        // Its turn has run (it read the clock) and taken a hold on the credit in memory; answered without waiting, the
        // answer would arrive at once. Were the credit never committed, the request would have been let through on money
        // that does not exist.
        await turnRan;
        Assert.NotSame(authorize, await Task.WhenAny(authorize, Task.Delay(1_000)));

        await rowLock.ReleaseAsync();
        await credit;
        Assert.True((await authorize).Admission.Allowed);
    }

    [Fact]
    public async Task The_same_settlement_sent_many_times_at_once_charges_once_and_returns_the_first_result()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var account = cluster.Grains.Account("dup");
        await account.Create(new CreateAccount(0, 10_000, "test"));
        Assert.True((await account.HoldAsync("r1", 1_000, 60)).Admission.Allowed);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(() => account.ChargeAsync("r1", 700))));
        var first = new RequestSettled("r1", "m", 700, 0, AccountCalls.OneNanoUsdAToken, Cost: 700, TrialUsed: 0, Charged: 700, Uncollected: 0, BalanceAfter: 9_300);
        Assert.Single(results, r => !r.Repeated); // one applied it; the others answer its result, marked a repeat
        Assert.All(results, r => Assert.Equal(first, r with { Repeated = false }));
        Assert.Equal(1_000, await AccountCalls.SettledReservationAsync(database, "dup", "r1")); // the whole hold released, once

        // Committed, the result is in the ledger alone, where a repeat finds it; memory keeps only the id, to refuse it a hold.
        Assert.Equal(first with { Repeated = true }, await account.ChargeAsync("r1", 700));
        Assert.Equal(Denials.AlreadySettled, (await account.HoldAsync("r1", 1_000, 60)).Admission.Denial?.Reason);

        // After a restart the first result comes back from the ledger.
        await cluster.StopSiloAsync();
        await cluster.StartSiloAsync();
        Assert.Equal(first with { Repeated = true }, await account.ChargeAsync("r1", 700));

        var conflict = await Assert.ThrowsAsync<TollgateException>(() => account.ChargeAsync("r1", 701));
        Assert.Equal(AccountErrors.IdempotencyConflict, conflict.Code);

        var totals = await Ledger.ReadAsync(database, "dup");
        Assert.Equal(new Ledger.Totals(9_300, 9_300, 2), totals); // the initial credit and one settlement
        Assert.Equal(0, (await account.Get(new GetAccount(0, null))).Pending);
    }

    [Fact]
    public async Task The_same_adjustment_sent_many_times_at_once_applies_once_and_returns_the_first_result()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var account = cluster.Grains.Account("adj");
        await account.Create(new CreateAccount(0, 0, "test"));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(() => account.Adjust(new AdjustCredit(5_000, "top-up", "ops", "topup-1")))));
        Assert.All(results, r => Assert.Equal(new AdjustResult("topup-1", 5_000, 5_000, "top-up", "ops"), r));

        await cluster.StopSiloAsync();
        await cluster.StartSiloAsync();
        Assert.Equal(results[0], await account.Adjust(new AdjustCredit(5_000, "top-up", "ops", "topup-1")));
        var conflict = await Assert.ThrowsAsync<TollgateException>(() => account.Adjust(new AdjustCredit(6_000, "top-up", "ops", "topup-1")));
        Assert.Equal(AccountErrors.IdempotencyConflict, conflict.Code);
        Assert.Equal(new Ledger.Totals(5_000, 5_000, 1), await Ledger.ReadAsync(database, "adj"));
    }

    [Fact]
    public async Task Creating_an_account_again_with_the_same_settings_is_idempotent_and_with_others_a_conflict()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var account = cluster.Grains.Account("twice");
        var created = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            Task.Run(() => account.Create(new CreateAccount(100, 5_000, "ops")))));
        Assert.All(created, a => Assert.Equal(5_000, a.Balance));
        Assert.Equal(new Ledger.Totals(5_000, 5_000, 1), await Ledger.ReadAsync(database, "twice"));

        var clash = await Assert.ThrowsAsync<TollgateException>(() => account.Create(new CreateAccount(100, 6_000, "ops")));
        Assert.Equal(AccountErrors.Exists, clash.Code);
    }

    [Fact]
    public async Task Expired_reservations_are_released()
    {
        var database = await postgres.CreateDatabaseAsync();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var cluster = await TestCluster.StartAsync(database, 1, clock);
        var account = cluster.Grains.Account("ttl");
        await account.Create(new CreateAccount(0, 1_000, "test"));

        Assert.True((await account.HoldAsync("short", 1_000, ttlSeconds: 1)).Admission.Allowed);
        Assert.Equal(Denials.InsufficientCredit, (await account.HoldAsync("blocked", 1, 60)).Admission.Denial?.Reason);
        clock.Advance(TimeSpan.FromMilliseconds(1_300));

        var after = await account.Get(new GetAccount(0, null));
        Assert.Equal(0, after.Pending);
        Assert.Equal(1_000, after.Available);
        Assert.True((await account.HoldAsync("next", 1_000, 60)).Admission.Allowed);

        // Settling the expired request later is a late settlement: charged, with nothing reserved.
        var late = await account.ChargeAsync("short", 100);
        Assert.Equal(0, await AccountCalls.SettledReservationAsync(database, "ttl", "short"));
        Assert.Equal(1_000, (await account.Get(new GetAccount(0, null))).Pending); // it released no hold: "next" keeps its own
        Assert.Equal(0, late.Charged); // the only money left is held by "next"
        Assert.Equal(100, late.Uncollected);
    }

    [Fact]
    public async Task Void_releases_a_reservation_without_charging()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        var account = cluster.Grains.Account("void");
        await account.Create(new CreateAccount(0, 1_000, "test"));
        Assert.True((await account.HoldAsync("r", 800, 60)).Admission.Allowed);

        Assert.Equal(new VoidResult("r", true, 800), await account.Void(new VoidReservation("r")));
        Assert.Equal(new VoidResult("r", false, 0), await account.Void(new VoidReservation("r")));
        Assert.Equal(1_000, (await account.Get(new GetAccount(0, null))).Available);
    }
}
