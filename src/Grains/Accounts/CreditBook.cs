using Tollgate.Grains.Grants;

namespace Tollgate.Grains.Accounts;

/// <summary>
/// A hold for one request until <see cref="ExpiresAt"/> (unix ms): on the paid balance, or on the
/// trial when <see cref="Funding"/> is "trial". <see cref="Tokens"/> and <see cref="AuthorizedAt"/>
/// are set by an authorize (0 for a bare credit reservation), and so is <see cref="Price"/>, the price
/// captured for the request: a settle charges it whatever the caller's reservation id says.
/// </summary>
internal sealed record Reservation(
    string RequestId, long Amount, long ExpiresAt, string? Funding = null, long Tokens = 0, long AuthorizedAt = 0, Metering.Price? Price = null, string? KeyId = null)
{
    public bool OnTrial => Funding == Metering.Funding.Trial;
}

/// <summary>Told of every hold as it comes (reserved or restored) and goes (settled, voided or expired): budgets count them.</summary>
internal interface IHoldWatcher
{
    void Held(Reservation hold);

    void Released(Reservation hold);
}

/// <summary>What holds on a trial add up to.</summary>
internal readonly record struct TrialHolds(long Credit, long Tokens, long Requests);

/// <summary>What one settlement did to the balance, and which grants (or the debt) it drew from.</summary>
internal readonly record struct Settlement(long Reserved, long Charged, long Uncollected, long BalanceAfter, IReadOnlyList<GrantDelta> Draws);

/// <summary>
/// An account's money in memory: its grants, its debt, the overdraft limit and pending reservations (two-phase:
/// reserve, then settle or void, or expire). Pure arithmetic; the grain persists what it does.
/// <para>
/// The balance is what the open grants hold less the debt (what charges took beyond the grants). Charges and debits
/// draw from the grants in effect, in their order (<see cref="GrantSet"/>), then add to the debt; new credit pays the
/// debt first. A grant not in effect yet is in the balance but not usable; an expired one stops being usable at once
/// and leaves the balance when the grain writes it off.
/// </para>
/// <para>
/// Policy: a reservation needs <c>amount ≤ available</c> (usable credit minus pending holds; the
/// overdraft is not lendable up front). A settlement charges the actual cost; whatever exceeds the
/// reservation is charged only as far as the usable credit, less other requests' holds, plus the overdraft
/// limit allows. The rest is <em>uncollected</em>: recorded on the ledger row, never charged later.
/// So the balance never falls below −overdraft, and other requests' holds stay covered.
/// </para>
/// </summary>
internal sealed class CreditBook(long overdraftLimit, GrantSet grants, long debt, IHoldWatcher? watcher = null)
{
    // A lone hold (most accounts hold one at a time) is a field: taking and ending it writes into this object only, where a
    // dictionary entry and a queued expiry dirtied two more old objects for the collector to scan. Holds at once go below.
    private Reservation? _lone;
    private Dictionary<string, Reservation>? _reservations; // allocated with the first holds at once
    private ExpiryQueue? _expiries; // with them

    /// <summary>A book whose balance is one paid grant without expiry, in effect since ever (or a debt, when negative).</summary>
    public CreditBook(long balance, long overdraftLimit, IHoldWatcher? watcher = null)
        : this(overdraftLimit, GrantSet.Of(balance > 0 ? [new Grant("balance", GrantKinds.Paid, balance, balance, GrantRules.DefaultPriority, DateTimeOffset.MinValue, null)] : []),
            Math.Max(0, -balance), watcher)
    {
    }

    private IHoldWatcher? _watcher = watcher;

    /// <summary>Tells <paramref name="watcher"/> of every hold taken and ended from now on (it counts the open ones itself).</summary>
    public void Watch(IHoldWatcher watcher) => _watcher = watcher;

    public GrantSet Grants { get; } = grants;
    public long Debt { get; private set; } = debt;
    public long Balance => Grants.Total - Debt;

    /// <summary>What charges may draw on now: the grants in effect, less the debt.</summary>
    public long Usable => Grants.Usable - Debt;
    public long OverdraftLimit { get; } = overdraftLimit;
    public long Pending { get; private set; }
    public long Available => Usable - Pending;
    public TrialHolds TrialHeld { get; private set; }
    public IReadOnlyCollection<Reservation> Reservations => _lone is { } lone ? [lone] : _reservations?.Values ?? (IReadOnlyCollection<Reservation>)[];

    public int HoldCount => _lone is null ? _reservations?.Count ?? 0 : 1;

    /// <summary>Ids waiting in the expiry queue, ended or not (bounded by about twice the live holds).</summary>
    internal int QueuedExpiries => _expiries?.Count ?? 0;

    public bool TryGetReservation(string requestId, out Reservation reservation)
    {
        if (_lone?.RequestId == requestId)
        {
            reservation = _lone;
            return true;
        }
        reservation = null!;
        return _reservations?.TryGetValue(requestId, out reservation!) == true;
    }

    public bool CanReserve(long amount) => amount <= Available;

    public Reservation Reserve(string requestId, long amount, long expiresAt) => Reserve(new Reservation(requestId, amount, expiresAt));

    /// <summary>Holds a paid reservation; the caller checked <see cref="CanReserve"/>, or the trial (which funds trial holds).</summary>
    public Reservation Reserve(Reservation reservation)
    {
        Require(reservation.OnTrial || CanReserve(reservation.Amount), "hold paid credit only within the available balance");
        Restore(reservation);
        return reservation;
    }

    /// <summary>Restores a persisted reservation (on activation).</summary>
    public void Restore(Reservation reservation)
    {
        Require(reservation.Amount >= 0 && !TryGetReservation(reservation.RequestId, out _), "hold each request once, never a negative amount");
        if (HoldCount == 0) _lone = reservation;
        else
        {
            if (_lone is { } lone) Queue(lone);
            _lone = null;
            Queue(reservation);
        }
        if (reservation.OnTrial) TrialHeld = new TrialHolds(TrialHeld.Credit + reservation.Amount, TrialHeld.Tokens + reservation.Tokens, TrialHeld.Requests + 1);
        else Pending += reservation.Amount;
        _watcher?.Held(reservation);
    }

    private void Queue(Reservation reservation)
    {
        (_reservations ??= new Dictionary<string, Reservation>(StringComparer.Ordinal)).Add(reservation.RequestId, reservation);
        (_expiries ??= new()).Enqueue(reservation.RequestId, reservation.ExpiresAt);
    }

    /// <summary>Charges <paramref name="actualCost"/> for a request, releasing its reservation if it still has one.</summary>
    public Settlement Settle(string requestId, long actualCost) => Charge(actualCost, Take(requestId)?.Amount ?? 0);

    /// <summary>
    /// Charges <paramref name="cost"/> to the paid balance by the overdraft policy: as far as the balance,
    /// less the holds of other requests, plus the overdraft allows. Release the request's own hold first.
    /// </summary>
    public Settlement Charge(long cost, long reserved)
    {
        Require(cost >= 0, "charge a non-negative cost");
        var collectible = Math.Max(0, Usable - Pending + OverdraftLimit);
        var charged = Math.Min(cost, collectible);
        var draws = Draw(charged);
        Require(Usable >= -OverdraftLimit, "never fall below the overdraft limit");
        return new Settlement(reserved, charged, cost - charged, Balance, draws);
    }

    /// <summary>
    /// Adds a grant; what it brings pays the debt first (when it is in effect already). Refuses to exceed the balance ceiling.
    /// Answers what it did: to the grant (what is left of it after the debt), and to the debt.
    /// </summary>
    public List<GrantDelta> Credit(Grant grant, DateTimeOffset now)
    {
        if (Balance + grant.Amount > Credits.MaxBalance) // |amount| ≤ MaxAmount and |Balance| ≤ MaxBalance + overdraft: cannot overflow
            throw new TollgateException(AccountErrors.BalanceLimit, $"The balance would exceed the maximum of {Credits.ToUsd(Credits.MaxBalance)} USD.");
        var repaid = grant.IsUsable(now) ? Math.Min(Debt, grant.Amount) : 0;
        Debt -= repaid;
        var deltas = new List<GrantDelta>(2);
        if (repaid > 0) deltas.Add(new GrantDelta(null, repaid));
        if (grant.Amount > repaid)
        {
            Grants.Add(grant with { Remaining = grant.Amount - repaid });
            deltas.Add(new GrantDelta(grant.GrantId, grant.Amount - repaid));
        }
        return deltas;
    }

    /// <summary>Takes <paramref name="amount"/> (positive) from the usable grants, then the debt; refuses to fall below −overdraft.</summary>
    public List<GrantDelta> Debit(long amount)
    {
        Require(amount > 0, "debit a positive amount");
        if (Usable - amount < -OverdraftLimit)
            throw new TollgateException(AccountErrors.InsufficientCredit, $"The debit would take the usable credit to {Credits.ToUsd(Usable - amount)} USD, below the overdraft limit of {Credits.ToUsd(OverdraftLimit)} USD.");
        return Draw(amount);
    }

    /// <summary>Writes off the grants expired by now: answers each with what was left of it, which leaves the balance.</summary>
    public IReadOnlyList<Grant> WriteOffExpired() => Grants.TakeExpired();

    /// <summary>Voids a grant nothing was drawn from; its whole amount leaves the balance.</summary>
    public Grant VoidGrant(string grantId)
    {
        var grant = Grants.Find(grantId) ?? throw new TollgateException(GrantErrors.NotFound, $"There is no open grant '{grantId}'.");
        if (grant.Remaining != grant.Amount)
            throw new TollgateException(GrantErrors.GrantUsed, $"Grant '{grantId}' was drawn from ({Credits.ToUsd(grant.Amount - grant.Remaining)} USD): only an unused grant can be voided.");
        return Grants.Remove(grantId);
    }

    /// <summary>Moves the book's clock on: which grants are in effect or expired follows it.</summary>
    public void Advance(DateTimeOffset now) => Grants.Advance(now);

    private List<GrantDelta> Draw(long amount)
    {
        var fromGrants = Math.Min(amount, Math.Max(0, Grants.Usable));
        var deltas = Grants.Draw(fromGrants);
        if (amount > fromGrants)
        {
            Debt += amount - fromGrants;
            deltas.Add(new GrantDelta(null, -(amount - fromGrants)));
        }
        return deltas;
    }

    /// <summary>Releases a reservation without charging; returns the amount released (0 if none).</summary>
    public long Void(string requestId) => Take(requestId)?.Amount ?? 0;

    /// <summary>
    /// Keeps a reservation: it then expires no sooner than <paramref name="ttlMs"/> from <paramref name="now"/>, and never
    /// later than <paramref name="maxLifetimeMs"/> after its authorize. Never shortens one. Null if there is no such
    /// reservation; otherwise whether its expiry moved.
    /// </summary>
    public bool? Renew(string requestId, long ttlMs, long maxLifetimeMs, long now)
    {
        if (!TryGetReservation(requestId, out var reservation)) return null;
        var expiresAt = Math.Min(now + ttlMs, reservation.AuthorizedAt + maxLifetimeMs);
        if (expiresAt <= reservation.ExpiresAt) return false;
        if (ReferenceEquals(reservation, _lone))
        {
            _lone = reservation with { ExpiresAt = expiresAt };
            return true;
        }
        _reservations![requestId] = reservation with { ExpiresAt = expiresAt };
        _expiries!.Enqueue(requestId, expiresAt); // the earlier entry no longer matches: skipped when it comes due
        _expiries.Compact(_reservations.Count, _reservations, static holds => holds.Values.Select(hold => (hold.RequestId, hold.ExpiresAt)));
        return true;
    }

    /// <summary>Releases every reservation whose expiry is at or before <paramref name="now"/> (unix ms); returns how many.</summary>
    public int ExpireDue(long now)
    {
        var expired = 0;
        if (_lone is { } lone && lone.ExpiresAt <= now)
        {
            Take(lone.RequestId);
            expired++;
        }
        while (_expiries is not null && _expiries.TryDequeueDue(now, out var requestId, out var expiresAt))
        {
            // The queue may hold ids already settled or voided: only a live reservation with this expiry counts.
            if (TryGetReservation(requestId, out var reservation) && reservation.ExpiresAt == expiresAt)
            {
                Take(requestId);
                expired++;
            }
        }
        return expired;
    }

    /// <summary>Releases a request's hold and returns it; null if it has none.</summary>
    public Reservation? Take(string requestId)
    {
        Reservation? reservation;
        if (_lone?.RequestId == requestId) (reservation, _lone) = (_lone, null);
        else if (_reservations is null || !_reservations.Remove(requestId, out reservation)) return null;
        if (reservation.OnTrial) TrialHeld = new TrialHolds(TrialHeld.Credit - reservation.Amount, TrialHeld.Tokens - reservation.Tokens, TrialHeld.Requests - 1);
        else Pending -= reservation.Amount;
        Require(Pending >= 0 && TrialHeld.Credit >= 0 && TrialHeld.Requests >= 0, "holds never negative");
        _watcher?.Released(reservation);
        _expiries?.Compact(_reservations?.Count ?? 0, _reservations, static holds => holds!.Values.Select(hold => (hold.RequestId, hold.ExpiresAt)));
        return reservation;
    }


    private static void Require(bool invariant, string what)
    {
        if (!invariant) throw new InvalidOperationException($"Credit book invariant violated: {what}.");
    }
}
