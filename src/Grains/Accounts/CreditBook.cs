

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

/// <summary>What one settlement did to the balance.</summary>
internal readonly record struct Settlement(long Reserved, long Charged, long Uncollected, long BalanceAfter);

/// <summary>
/// An account's money in memory: balance, overdraft limit and pending reservations (two-phase:
/// reserve, then settle or void, or expire). Pure arithmetic; the grain persists what it does.
/// <para>
/// Policy: a reservation needs <c>amount ≤ available</c> (balance minus pending holds; the
/// overdraft is not lendable up front). A settlement charges the actual cost; whatever exceeds the
/// reservation is charged only as far as the balance, less other requests' holds, plus the overdraft
/// limit allows. The rest is <em>uncollected</em>: recorded on the ledger row, never charged later.
/// So the balance never falls below −overdraft, and other requests' holds stay covered.
/// </para>
/// </summary>
internal sealed class CreditBook(long balance, long overdraftLimit, IHoldWatcher? watcher = null)
{
    private readonly Dictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);
    private readonly ExpiryQueue _expiries = new();

    public long Balance { get; private set; } = balance;
    public long OverdraftLimit { get; } = overdraftLimit;
    public long Pending { get; private set; }
    public long Available => Balance - Pending;
    public TrialHolds TrialHeld { get; private set; }
    public IReadOnlyCollection<Reservation> Reservations => _reservations.Values;

    /// <summary>Ids waiting in the expiry queue, ended or not (bounded by about twice the live holds).</summary>
    internal int QueuedExpiries => _expiries.Count;

    public bool TryGetReservation(string requestId, out Reservation reservation) => _reservations.TryGetValue(requestId, out reservation!);

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
        Require(reservation.Amount >= 0 && !_reservations.ContainsKey(reservation.RequestId), "hold each request once, never a negative amount");
        _reservations.Add(reservation.RequestId, reservation);
        _expiries.Enqueue(reservation.RequestId, reservation.ExpiresAt);
        if (reservation.OnTrial) TrialHeld = new TrialHolds(TrialHeld.Credit + reservation.Amount, TrialHeld.Tokens + reservation.Tokens, TrialHeld.Requests + 1);
        else Pending += reservation.Amount;
        watcher?.Held(reservation);
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
        var collectible = Math.Max(0, Balance - Pending + OverdraftLimit);
        var charged = Math.Min(cost, collectible);
        Balance -= charged;
        Require(Balance >= -OverdraftLimit, "never fall below the overdraft limit");
        return new Settlement(reserved, charged, cost - charged, Balance);
    }

    /// <summary>Releases a reservation without charging; returns the amount released (0 if none).</summary>
    public long Void(string requestId) => Take(requestId)?.Amount ?? 0;

    /// <summary>Adds a signed amount; refuses to exceed the balance ceiling or to fall below −overdraft.</summary>
    public long Adjust(long amount)
    {
        var after = Balance + amount; // |amount| ≤ MaxAmount and |Balance| ≤ MaxBalance + overdraft: cannot overflow
        if (after > Credits.MaxBalance)
            throw new TollgateException(AccountErrors.BalanceLimit, $"The balance would exceed the maximum of {Credits.ToUsd(Credits.MaxBalance)} USD.");
        if (after < -OverdraftLimit)
            throw new TollgateException(AccountErrors.InsufficientCredit, $"The debit would take the balance to {Credits.ToUsd(after)} USD, below the overdraft limit of {Credits.ToUsd(OverdraftLimit)} USD.");
        Balance = after;
        return Balance;
    }

    /// <summary>
    /// Keeps a reservation: it then expires no sooner than <paramref name="ttlMs"/> from <paramref name="now"/>, and never
    /// later than <paramref name="maxLifetimeMs"/> after its authorize. Never shortens one. Null if there is no such
    /// reservation; otherwise whether its expiry moved.
    /// </summary>
    public bool? Renew(string requestId, long ttlMs, long maxLifetimeMs, long now)
    {
        if (!_reservations.TryGetValue(requestId, out var reservation)) return null;
        var expiresAt = Math.Min(now + ttlMs, reservation.AuthorizedAt + maxLifetimeMs);
        if (expiresAt <= reservation.ExpiresAt) return false;
        _reservations[requestId] = reservation with { ExpiresAt = expiresAt };
        _expiries.Enqueue(requestId, expiresAt); // the earlier entry no longer matches: skipped when it comes due
        _expiries.Compact(_reservations.Count, _reservations, static holds => holds.Values.Select(hold => (hold.RequestId, hold.ExpiresAt)));
        return true;
    }

    /// <summary>Releases every reservation whose expiry is at or before <paramref name="now"/> (unix ms); returns how many.</summary>
    public int ExpireDue(long now)
    {
        var expired = 0;
        while (_expiries.TryDequeueDue(now, out var requestId, out var expiresAt))
        {
            // The queue may hold ids already settled or voided: only a live reservation with this expiry counts.
            if (_reservations.TryGetValue(requestId, out var reservation) && reservation.ExpiresAt == expiresAt)
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
        if (!_reservations.Remove(requestId, out var reservation)) return null;
        if (reservation.OnTrial) TrialHeld = new TrialHolds(TrialHeld.Credit - reservation.Amount, TrialHeld.Tokens - reservation.Tokens, TrialHeld.Requests - 1);
        else Pending -= reservation.Amount;
        Require(Pending >= 0 && TrialHeld.Credit >= 0 && TrialHeld.Requests >= 0, "holds never negative");
        watcher?.Released(reservation);
        _expiries.Compact(_reservations.Count, _reservations, static holds => holds.Values.Select(hold => (hold.RequestId, hold.ExpiresAt)));
        return reservation;
    }


    private static void Require(bool invariant, string what)
    {
        if (!invariant) throw new InvalidOperationException($"Credit book invariant violated: {what}.");
    }
}
