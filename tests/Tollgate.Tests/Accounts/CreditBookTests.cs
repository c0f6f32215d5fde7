using Tollgate.Grains.Grants;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;


namespace Tollgate.Tests.Accounts;

public sealed class CreditBookTests
{
    [Fact]
    public void Reservations_count_against_the_available_balance()
    {
        var book = new CreditBook(balance: 1_000, overdraftLimit: 500);
        book.Reserve("a", 600, expiresAt: 10);
        Assert.Equal(400, book.Available);
        Assert.False(book.CanReserve(401)); // the overdraft is not lendable up front
        Assert.True(book.CanReserve(400));
    }

    [Fact]
    public void Settle_within_the_reservation_charges_the_actual_cost_and_releases_the_rest()
    {
        var book = new CreditBook(1_000, 0);
        book.Reserve("a", 600, 10);
        var settlement = book.Settle("a", 250);
        Assert.Equal((600, 250, 0, 750), (settlement.Reserved, settlement.Charged, settlement.Uncollected, settlement.BalanceAfter));
        Assert.Equal([new GrantDelta("balance", -250)], settlement.Draws);
        Assert.Equal(0, book.Pending);
    }

    [Fact]
    public void Overage_is_charged_up_to_the_overdraft_and_never_eats_other_holds()
    {
        var book = new CreditBook(1_000, overdraftLimit: 100);
        book.Reserve("a", 500, 10);
        book.Reserve("b", 500, 10);
        // a costs 900: 500 reserved + 400 overage, but only b's hold-free balance (0) plus overdraft (100) is collectible.
        var a = book.Settle("a", 900);
        Assert.Equal(600, a.Charged);
        Assert.Equal(300, a.Uncollected);
        Assert.Equal(400, book.Balance);
        var b = book.Settle("b", 500); // b's hold is still fully covered
        Assert.Equal(500, b.Charged);
        Assert.Equal(-100, book.Balance);
        Assert.Equal(0, book.Settle("c", 1).Charged); // at the overdraft floor nothing more is collectible
    }

    [Fact]
    public void A_late_settlement_without_a_reservation_is_charged_within_the_policy()
    {
        var book = new CreditBook(300, 0);
        var late = book.Settle("gone", 200);
        Assert.Equal((0, 200, 0, 100), (late.Reserved, late.Charged, late.Uncollected, late.BalanceAfter));
    }

    [Fact]
    public void A_renewed_reservation_outlives_its_first_expiry_and_one_no_longer_renewed_expires()
    {
        var book = new CreditBook(1_000, 0);
        book.Reserve(new Reservation("a", 400, ExpiresAt: 10_000, Funding: "credit", Tokens: 10, AuthorizedAt: 0));
        Assert.Equal(true, book.Renew("a", ttlMs: 10_000, maxLifetimeMs: 100_000, now: 8_000)); // now until 18 s
        Assert.Equal(false, book.Renew("a", ttlMs: 5_000, maxLifetimeMs: 100_000, now: 9_000)); // never shortened
        Assert.Equal(0, book.ExpireDue(12_000)); // past its first expiry: still held
        Assert.Equal(400, book.Pending);
        Assert.Equal(1, book.ExpireDue(18_000)); // no renewal since: it ends
        Assert.Equal(0, book.Pending);
        Assert.Null(book.Renew("a", 10_000, 100_000, 18_001)); // an ended hold is not brought back
        Assert.Equal(0, book.ExpireDue(30_000));
    }

    [Fact]
    public void Renewals_never_keep_a_reservation_past_its_longest_life()
    {
        var book = new CreditBook(1_000, 0);
        book.Reserve(new Reservation("a", 400, ExpiresAt: 10_000, AuthorizedAt: 1_000));
        Assert.Equal(true, book.Renew("a", ttlMs: 60_000, maxLifetimeMs: 30_000, now: 5_000));
        Assert.Equal(31_000, book.Reservations.Single().ExpiresAt); // authorized at 1 s, lives 30 s at most
        Assert.Equal(false, book.Renew("a", 60_000, 30_000, 20_000));
        Assert.Equal(1, book.ExpireDue(31_000));
    }

    [Fact]
    public void Expired_reservations_are_released_once()
    {
        var book = new CreditBook(1_000, 0);
        book.Reserve("a", 400, expiresAt: 100);
        book.Reserve("b", 300, expiresAt: 200);
        book.Void("b");
        book.Reserve("b", 300, expiresAt: 500); // same id again, later expiry: the stale queue entry must not release it
        Assert.Equal(0, book.ExpireDue(99));
        Assert.Equal(1, book.ExpireDue(200));
        Assert.Equal(300, book.Pending);
        Assert.Equal(1, book.ExpireDue(500));
        Assert.Equal(0, book.Pending);
    }

    [Fact]
    public void Holds_keep_their_amounts_and_expiries_as_they_go_from_one_to_many_and_back()
    {
        var book = new CreditBook(10_000, 0);
        book.Reserve(new Reservation("lone", 100, ExpiresAt: 1_000, AuthorizedAt: 0));
        Assert.Equal(true, book.Renew("lone", ttlMs: 2_000, maxLifetimeMs: 60_000, now: 500)); // until 2.5 s, as the only hold
        book.Reserve("second", 200, expiresAt: 1_500); // two at once
        book.Reserve("third", 300, expiresAt: 3_000);
        Assert.Equal((3, 600L), (book.HoldCount, book.Pending));
        Assert.Equal(1, book.ExpireDue(1_500)); // the second
        Assert.True(book.TryGetReservation("lone", out var lone) && lone.ExpiresAt == 2_500);
        Assert.Equal(300, book.Void("third"));
        Assert.Equal(1, book.ExpireDue(2_500)); // the first, moved among the others, kept its renewed expiry
        Assert.Equal((0, 0L), (book.HoldCount, book.Pending));
        book.Reserve("next", 50, expiresAt: 4_000); // one again
        Assert.Equal(["next"], book.Reservations.Select(hold => hold.RequestId));
        Assert.Equal(50, book.Settle("next", 50).Charged);
        Assert.Equal(0, book.ExpireDue(10_000));
        Assert.Equal(10_000 - 50, book.Balance);
    }

    [Fact]
    public void Settled_reservations_do_not_pile_up_until_their_expiry()
    {
        var book = new CreditBook(1_000_000, 0);
        for (var held = 0; held < 10; held++) book.Reserve($"held-{held}", 1, expiresAt: 50_000);
        for (var request = 0; request < 10_000; request++)
        {
            book.Reserve($"r{request}", 5, expiresAt: 60_000);
            book.Settle($"r{request}", 3);
        }
        Assert.InRange(book.QueuedExpiries, 10, 2 * 10 + 64);

        // The held reservations still expire on time, once each, after the queue was rebuilt.
        Assert.Equal(0, book.ExpireDue(49_999));
        Assert.Equal(10, book.ExpireDue(50_000));
        Assert.Equal(0, book.Pending);
        Assert.Equal(1_000_000 - 30_000, book.Balance);
    }

    [Fact]
    public void A_debit_refuses_to_cross_the_overdraft_floor_and_credit_the_balance_ceiling()
    {
        var book = new CreditBook(100, overdraftLimit: 50);
        Assert.Equal([new GrantDelta("balance", -100), new GrantDelta(null, -50)], book.Debit(150));
        Assert.Equal((-50, 50L), (book.Balance, book.Debt));
        Assert.Equal("insufficient_credit", Assert.Throws<TollgateException>(() => book.Debit(1)).Code);
        var rich = new CreditBook(Tollgate.Grains.Credits.MaxBalance, 0);
        Assert.Equal("balance_limit_exceeded", Assert.Throws<TollgateException>(() => rich.Credit(Paid("more", 1), Start)).Code);
    }

    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static Grant Paid(string id, long amount, int priority = 50, DateTimeOffset? effective = null, DateTimeOffset? expires = null) =>
        new(id, GrantKinds.Paid, amount, amount, priority, effective ?? Start, expires);

    [Fact]
    public void Charges_draw_from_grants_by_priority_then_soonest_expiry_and_only_from_those_in_effect()
    {
        var book = new CreditBook(0, 0);
        book.Advance(Start);
        book.Credit(Paid("late", 100, priority: 50, expires: Start.AddDays(30)), Start);
        book.Credit(Paid("soon", 100, priority: 50, expires: Start.AddDays(7)), Start);
        book.Credit(Paid("never", 100, priority: 50), Start);
        book.Credit(Paid("first", 100, priority: 10), Start);
        book.Credit(Paid("future", 100, priority: 0, effective: Start.AddDays(1)), Start);
        Assert.Equal((500, 400L), (book.Balance, book.Available)); // the future grant is in the balance, not usable yet

        Assert.Equal([new GrantDelta("first", -100), new GrantDelta("soon", -100), new GrantDelta("late", -50)], book.Charge(250, 0).Draws);
        book.Advance(Start.AddDays(1));
        Assert.Equal([new GrantDelta("future", -30)], book.Charge(30, 0).Draws); // priority 0, now in effect
        Assert.Equal(220, book.Balance);
    }

    [Fact]
    public void An_expired_grant_stops_counting_at_once_and_leaves_the_balance_when_written_off()
    {
        var book = new CreditBook(0, 0);
        book.Advance(Start);
        book.Credit(Paid("promo", 100, priority: 0, expires: Start.AddDays(1)), Start);
        book.Credit(Paid("paid", 100), Start);
        book.Charge(30, 0);

        book.Advance(Start.AddDays(1));
        Assert.Equal((170, 100L), (book.Balance, book.Available));
        var expired = Assert.Single(book.WriteOffExpired());
        Assert.Equal(("promo", 70L), (expired.GrantId, expired.Remaining));
        Assert.Equal(100, book.Balance);
        Assert.Empty(book.WriteOffExpired());
    }

    [Fact]
    public void Credit_pays_the_debt_first_and_only_an_unused_grant_can_be_voided()
    {
        var book = new CreditBook(0, overdraftLimit: 100);
        book.Advance(Start);
        book.Charge(60, 0); // into the overdraft
        Assert.Equal([new GrantDelta(null, 60), new GrantDelta("top-up", 40)], book.Credit(Paid("top-up", 100), Start));
        Assert.Equal((40, 0L), (book.Balance, book.Debt));
        Assert.Equal("grant_used", Assert.Throws<TollgateException>(() => book.VoidGrant("top-up")).Code); // it paid the debt

        book.Credit(Paid("spare", 50), Start);
        Assert.Equal(50, book.VoidGrant("spare").Amount);
        Assert.Equal(40, book.Balance);
        Assert.Equal("grant_not_found", Assert.Throws<TollgateException>(() => book.VoidGrant("spare")).Code);
    }
}
