using System.Runtime.InteropServices;

namespace Tollgate.Grains.Grants;

/// <summary>One open grant in memory: what is left of it, and from when until when it may be drawn from.</summary>
internal sealed record Grant(string GrantId, string Kind, long Amount, long Remaining, int Priority, DateTimeOffset EffectiveAt, DateTimeOffset? ExpiresAt)
{
    public bool IsUsable(DateTimeOffset now) => EffectiveAt <= now && !IsExpired(now);

    public bool IsExpired(DateTimeOffset now) => ExpiresAt <= now;
}

/// <summary>
/// An account's open grants (something left, not written off), kept in the order charges draw from them: priority (lower
/// first), then soonest expiry (none last), then earliest effective, then id. <see cref="Usable"/> counts the grants in
/// effect and not expired at the time of the last <see cref="Advance"/>: an expired grant stops counting at once, and
/// leaves <see cref="Total"/> (the balance) only when the account writes it off on its ledger (<see cref="TakeExpired"/>).
/// </summary>
internal sealed class GrantSet
{
    // A draw changes Remaining in place: a new Grant per charge would be a young object in an old list, which every gen 0
    // collection traces until a gen 1 one promotes it; with thousands of accounts charged between collections, that is most of a pause.
    private struct OpenGrant(Grant terms)
    {
        public readonly Grant Terms = terms;
        public long Remaining = terms.Remaining;

        public readonly Grant Current => Remaining == Terms.Remaining ? Terms : Terms with { Remaining = Remaining };
    }

    private readonly List<OpenGrant> _open;
    private DateTimeOffset _now = DateTimeOffset.MinValue;
    private DateTimeOffset _nextChange = DateTimeOffset.MinValue; // when a grant takes effect or expires: Usable is counted again

    public long Total { get; private set; }

    public long Usable { get; private set; }

    /// <summary>The open grants that expire after <paramref name="now"/> and by <paramref name="horizon"/>.</summary>
    public List<Grant> Expiring(DateTimeOffset now, DateTimeOffset horizon) =>
        _open.FindAll(grant => grant.Terms.ExpiresAt is { } expires && expires > now && expires <= horizon).ConvertAll(grant => grant.Current);

    public int Count => _open.Count;

    private GrantSet(int capacity) => _open = new List<OpenGrant>(capacity);

    /// <summary>The open grants as loaded, in a list of their number: most accounts hold one and keep it.</summary>
    public static GrantSet Of(IReadOnlyCollection<Grant> grants)
    {
        var set = new GrantSet(grants.Count);
        foreach (var grant in grants) set.Add(grant);
        return set;
    }

    public Grant? Find(string grantId) => IndexOf(grantId) is var index and >= 0 ? _open[index].Current : null;

    private int IndexOf(string grantId) => _open.FindIndex(grant => grant.Terms.GrantId == grantId);

    /// <summary>Moves the clock on (never back: what was usable stays so); Usable follows the grants that took effect or expired since.</summary>
    public void Advance(DateTimeOffset now)
    {
        if (now <= _now) return;
        _now = now;
        if (now >= _nextChange) Recount();
    }

    public void Add(Grant grant)
    {
        Require(grant.Remaining > 0 && grant.Remaining <= grant.Amount && Find(grant.GrantId) is null, "an open grant has something left, at most its amount, and one id");
        var index = _open.FindIndex(other => DrawOrder(grant, other.Terms) < 0);
        _open.Insert(index < 0 ? _open.Count : index, new OpenGrant(grant));
        Total += grant.Remaining;
        Recount();
    }

    /// <summary>Draws <paramref name="amount"/> from the usable grants in order; a grant drawn to nothing closes (used).</summary>
    public List<GrantDelta> Draw(long amount)
    {
        Require(amount >= 0 && amount <= Usable, "draw only what the usable grants hold");
        var deltas = new List<GrantDelta>();
        for (var i = 0; i < _open.Count && amount > 0; i++)
        {
            ref var grant = ref CollectionsMarshal.AsSpan(_open)[i];
            if (!grant.Terms.IsUsable(_now)) continue;
            var take = Math.Min(amount, grant.Remaining);
            deltas.Add(new GrantDelta(grant.Terms.GrantId, -take));
            amount -= take;
            if (take == grant.Remaining) _open.RemoveAt(i--);
            else grant.Remaining -= take;
            Total -= take;
            Usable -= take;
        }
        Require(amount == 0, "the usable grants hold what Usable says");
        return deltas;
    }

    /// <summary>Takes out the grants expired by now, for the account to write off what is left of them.</summary>
    public IReadOnlyList<Grant> TakeExpired()
    {
        if (!AnyExpired()) return []; // every authorize and settle asks: no garbage (a list, a closure) when none is
        var expired = _open.FindAll(grant => grant.Terms.IsExpired(_now)).ConvertAll(grant => grant.Current);
        _open.RemoveAll(grant => grant.Terms.IsExpired(_now));
        Total -= expired.Sum(grant => grant.Remaining);
        Recount();
        return expired;
    }

    private bool AnyExpired()
    {
        foreach (var grant in _open)
        {
            if (grant.Terms.IsExpired(_now)) return true;
        }
        return false;
    }

    /// <summary>Takes out a grant (voided).</summary>
    public Grant Remove(string grantId)
    {
        var index = IndexOf(grantId);
        if (index < 0) throw new InvalidOperationException($"No open grant '{grantId}'.");
        var grant = _open[index].Current;
        _open.RemoveAt(index);
        Total -= grant.Remaining;
        Recount();
        return grant;
    }

    private void Recount()
    {
        long usable = 0;
        var next = DateTimeOffset.MaxValue;
        foreach (var open in _open)
        {
            var grant = open.Terms;
            if (grant.IsUsable(_now)) usable += open.Remaining;
            if (grant.EffectiveAt > _now && grant.EffectiveAt < next) next = grant.EffectiveAt;
            if (grant.ExpiresAt is { } expires && expires > _now && expires < next) next = expires;
        }
        (Usable, _nextChange) = (usable, next);
    }

    private static int DrawOrder(Grant a, Grant b)
    {
        var order = a.Priority.CompareTo(b.Priority);
        if (order == 0) order = (a.ExpiresAt ?? DateTimeOffset.MaxValue).CompareTo(b.ExpiresAt ?? DateTimeOffset.MaxValue);
        if (order == 0) order = a.EffectiveAt.CompareTo(b.EffectiveAt);
        return order != 0 ? order : string.CompareOrdinal(a.GrantId, b.GrantId);
    }

    private static void Require(bool invariant, string what)
    {
        if (!invariant) throw new InvalidOperationException($"Grant invariant violated: {what}.");
    }
}
