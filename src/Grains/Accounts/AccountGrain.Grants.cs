using Tollgate.Grains.Alerts;
using Tollgate.Grains.Grants;

namespace Tollgate.Grains.Accounts;

/// <summary>
/// The account's credit grants: created (once per id), voided while unused, listed; and written off when they expire.
/// Charges draw from them in the credit book (<see cref="CreditBook"/>); every change of one is in the account's
/// version-fenced write with its ledger row, which names the grants it drew from.
/// </summary>
internal sealed partial class AccountGrain
{
    /// <summary>The grant an account's initial credit is.</summary>
    private const string InitialGrant = "initial";

    private const int MaxGrantPage = 500;

    public async Task<GrantView> CreateGrant(CreateGrant request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (request.Reason is not null) Validate.Text(request.Reason, nameof(request.Reason), 500);
        if (request.Problem(Time.GetUtcNow()) is { } problem) throw new TollgateException(problem.Code, problem.Message);
        await Row.ReadyAsync();
        Existing();
        await Row.AllCommittedAsync();
        if (await StoredGrantAsync(request.GrantId) is { } first) return SameGrant(first, request); // a repeat: its first answer
        await Answer(() =>
        {
            var book = Existing();
            if (book.Grants.Find(request.GrantId) is not null)
                throw new TollgateException(ErrorCodes.StorageFailed, $"Grant '{request.GrantId}' was created meanwhile; retry.");
            if (book.Grants.Count >= GrantRules.MaxOpen)
                throw new TollgateException(GrantErrors.TooManyGrants, $"An account has at most {GrantRules.MaxOpen} open grants; void or use some first.");
            var now = Time.GetUtcNow();
            var grant = new Grant(request.GrantId, request.Kind, request.Amount, request.Amount, request.Priority, request.EffectiveAt ?? now, request.ExpiresAt);
            var deltas = book.Credit(grant, now);
            Row.Write(version => AccountStore.Update(AccountId, book.Balance, _settings, version)
                .NewGrant(AccountId, grant with { Remaining = LeftOf(grant, deltas) }, request.Reason, request.Actor)
                .Ledger("grant", grant.GrantId, grant.Amount, book.Balance, grant.Amount, null, request.Reason, request.Actor, deltas), onlyTakesAway: false);
            return true;
        });
        return await StoredGrantAsync(request.GrantId) ?? throw new InvalidOperationException($"Grant '{request.GrantId}' was committed but cannot be read.");
    }

    public async Task<GrantView> VoidGrant(VoidGrant request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (!GrantRules.IsId(request.GrantId)) throw new TollgateException(GrantErrors.InvalidGrant, GrantRules.IdRule);
        await Row.ReadyAsync();
        if (Existing().Grants.Find(request.GrantId) is null)
        {
            // Not open: voided already (a repeat), used, expired, or none at all.
            await Row.AllCommittedAsync();
            var stored = await StoredGrantAsync(request.GrantId)
                ?? throw new TollgateException(GrantErrors.NotFound, $"Account '{AccountId}' has no grant '{request.GrantId}'.");
            return stored.Status == GrantStatus.Voided ? stored
                : throw new TollgateException(GrantErrors.GrantUsed, $"Grant '{request.GrantId}' is {stored.Status}: only an unused grant can be voided.");
        }
        await Answer(() =>
        {
            var book = Existing();
            var grant = book.VoidGrant(request.GrantId);
            Row.Write(version => AccountStore.Update(AccountId, book.Balance, _settings, version)
                .Closed(AccountId, grant.GrantId, GrantStatus.Voided)
                .Ledger("void_grant", grant.GrantId, -grant.Amount, book.Balance, grant.Amount, null, "grant voided", request.Actor, [new GrantDelta(grant.GrantId, -grant.Amount)])
                .Alerts(AccountAlerts.BalanceCrossed(AccountId, BalanceAlerts, book.Balance + grant.Amount, book.Balance, "void_grant", grant.GrantId)),
                onlyTakesAway: true);
            return true;
        });
        return (await StoredGrantAsync(request.GrantId))!;
    }

    /// <summary>Every grant of the account, newest first (the last 500), as committed: expired ones written off first.</summary>
    public async Task<IReadOnlyList<GrantView>> GetGrants()
    {
        await Answer(() => Existing()); // writes off what expired
        await Row.AllCommittedAsync();
        return await Row.ReadAsync(db => GrantStore.ListAsync(db, AccountId, null, Time.GetUtcNow(), MaxGrantPage));
    }

    /// <summary>
    /// Writes off what is left of every grant that expired, each by a ledger row, in one write: the balance loses it, so the
    /// ledger still sums to it. Any turn does it first; until one runs, an expired grant only stops being usable.
    /// </summary>
    private void WriteOffExpiredGrants()
    {
        if (_book is not { } book) return;
        var now = Time.GetUtcNow();
        book.Advance(now);
        var expired = book.WriteOffExpired();
        var expiring = ExpiringGrants(book, now);
        if (expired.Count > 0 || expiring.Count > 0) WriteOff(book, expired, expiring); // apart: its closure is made only when it runs
    }

    private void WriteOff(CreditBook book, IReadOnlyList<Grant> expired, IReadOnlyList<Grant> expiring) =>
        Row.Write(version =>
        {
            var write = AccountStore.Update(AccountId, book.Balance, _settings, version);
            var balance = book.Balance + expired.Sum(grant => grant.Remaining);
            foreach (var grant in expired)
            {
                var before = balance;
                balance -= grant.Remaining;
                write.Closed(AccountId, grant.GrantId, GrantStatus.Expired)
                    .Ledger("expire", grant.GrantId, -grant.Remaining, balance, grant.Remaining, null, "grant expired", "tollgate", [new GrantDelta(grant.GrantId, -grant.Remaining)])
                    .Alerts(AccountAlerts.BalanceCrossed(AccountId, BalanceAlerts, before, balance, "expire", grant.GrantId));
            }
            return write.Alerts(expiring.Select(grant => AccountAlerts.GrantExpiring(AccountId, grant, BalanceAlerts.GrantExpiringDays!.Value)));
        }, onlyTakesAway: true);

    /// <summary>Open grants with something left that expire within the account's warning, not yet announced by this activation.</summary>
    private IReadOnlyList<Grant> ExpiringGrants(CreditBook book, DateTimeOffset now)
    {
        if (BalanceAlerts.GrantExpiringDays is not { } days) return [];
        return book.Grants.Expiring(now, now.AddDays(days)).FindAll(grant => (_announcedExpiries ??= new(StringComparer.Ordinal)).Add(grant.GrantId));
    }

    /// <summary>The grant an adjustment's credit is: one per idempotency key.</summary>
    private static string AdjustmentGrant(string idempotencyKey) => $"adjust:{idempotencyKey}";

    /// <summary>What is left of a new grant after it paid the debt.</summary>
    private static long LeftOf(Grant grant, IReadOnlyList<GrantDelta> deltas) => deltas.FirstOrDefault(delta => delta.GrantId == grant.GrantId)?.Amount ?? 0;

    private async Task<GrantView?> StoredGrantAsync(string grantId) =>
        (await Row.ReadAsync(db => GrantStore.ListAsync(db, AccountId, grantId, Time.GetUtcNow(), 1))).SingleOrDefault();

    private static GrantView SameGrant(GrantView first, CreateGrant request) =>
        first.Amount == request.Amount && first.Kind == request.Kind && first.Priority == request.Priority && first.ExpiresAt == request.ExpiresAt
        && (request.EffectiveAt is null || request.EffectiveAt == first.EffectiveAt)
            ? first
            : throw new TollgateException(AccountErrors.IdempotencyConflict, $"Grant '{request.GrantId}' already exists with other terms.");
}
