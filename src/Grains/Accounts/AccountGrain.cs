using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Concurrency;
using Tollgate.Grains.Alerts;
using Tollgate.Grains.Budgets;
using Tollgate.Grains.Grants;
using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Persistence;

namespace Tollgate.Grains.Accounts;

/// <summary>
/// One account: credits, trial, status and rate limits. Holds and rate windows live in memory and are
/// checkpointed into the account's row (see <see cref="LimitedGrain"/>); every balance change is a write of
/// the row fenced by its version, plus its ledger row (and a settled request's usage row), committed
/// through the group committer before the caller hears of it. Settlements and adjustments are
/// idempotent by their ids: a repeat returns the first result, from memory or from the database.
/// <para>
/// Reentrant, so one busy account's calls are pipelined: a call changes memory and queues its write in
/// one synchronous stretch, then awaits the commit while the next call runs. Every call therefore does
/// its state change between awaits and re-checks memory after any await (a database read). Each answer
/// waits for every write made so far (they commit in order) except an authorize, whose hold lives in
/// memory only: it waits only for writes that give (see <see cref="AccountWrites"/>).
/// </para>
/// <para>
/// Its row, the fence of every write and what a failed write costs are <see cref="AccountRow"/>'s.
/// </para>
/// </summary>
[GrainType("account")]
[Reentrant]
internal sealed partial class AccountGrain(
    GroupCommitter committer,
    NpgsqlDataSource database,
    [FromKeyedServices(TollgateClock.Key)] TimeProvider time,
    ILogger<AccountGrain> logger) : LimitedGrain("account", time), IAccountGrain, AccountRow.IRowOwner
{
    private RecentResults<AdjustResult>? _adjustments; // made on first use (Adjustments, Settled): most accounts are idle
    private RecentResults<RequestSettled>? _settled; // until their writes commit; a repeat after that reads the ledger
    private SettledIds? _settledIds; // a minute, so an authorize of a settled id is refused from memory
    private AccountRow? _row;
    private CreditBook? _book; // null until the account exists
    private BudgetBook? _budgets; // with the first budget (Budgets)
    private HashSet<string>? _announcedExpiries; // grants this activation announced as expiring (the outbox dedupes the rest)
    private RecountGate? _recounts; // authorizes and settles wait while a budget is counted from the usage table (made with the first count)
    private AccountSettings _settings = AccountSettings.Initial;
    private DateTimeOffset _createdAt;
    private bool _reservationsChanged;
    private HashSet<string>? _storedReservations; // ids in accounts.reservations (null: none)
    private long _held; // every amount this activation reserved, summed
    private long _heldCheckpointed; // _held as of the last committed checkpoint
    private List<Reservation>? _carriedHolds; // from a migration, in place of the stored ones
    private LimiterState? _storedWindows;

    private const string CarriedHolds = "tollgate.holds";

    private string AccountId => _accountId ??= this.GetPrimaryKeyString(); // made once: the key's string is decoded afresh on every call

    private string? _accountId;

    private AccountRow Row => _row ??= new AccountRow(this);

    string AccountRow.IRowOwner.AccountId => AccountId;

    GroupCommitter AccountRow.IRowOwner.Committer => committer;

    NpgsqlDataSource AccountRow.IRowOwner.Database => database;

    ILogger AccountRow.IRowOwner.Logger => logger;

    private RecentResults<AdjustResult> Adjustments => _adjustments ??= new(capacity: 1_024);

    private RecentResults<RequestSettled> Settled => _settled ??= new(capacity: 16_384);

    private SettledIds SettledIds => _settledIds ??= new(capacity: 16_384);

    void AccountRow.IRowOwner.Deactivate() => DeactivateOnIdle();

    void AccountRow.IRowOwner.Reload(StoredAccount? committed) => Reloaded(committed);

    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        var stored = await Row.ReadAsync(db => AccountStore.LoadAsync(db, AccountId));
        if (stored is null) return;
        Apply(stored, _carriedHolds ?? stored.Reservations);
        _reservationsChanged = _carriedHolds is not null || _book!.ExpireDue(NowMs) > 0;
        _carriedHolds = null;
        _storedWindows = stored.Windows;
    }

    protected override Task<LimiterState?> ReadWindowsAsync()
    {
        var windows = _storedWindows;
        _storedWindows = null; // read once: the limiter takes them over
        return Task.FromResult(windows);
    }

    /// <summary>
    /// The holds count as changed only while one is live or stored: once every hold ended (settled within the checkpoint interval, as
    /// most are), a checkpoint would store nothing of them, so none is due, and the timer a hold armed is disarmed before it ticks
    /// (<see cref="HoldsSafeAfter"/> does what that tick's checkpoint did).
    /// </summary>
    protected override bool Uncheckpointed => base.Uncheckpointed || _reservationsChanged && !NoHolds;

    /// <summary>No hold in memory and none in the row: a crash can lose no hold.</summary>
    private bool NoHolds => _book is not { HoldCount: > 0 } && _storedReservations is null;

    protected override bool MayCheckpoint => _book is not null && Row.IsTrustworthy; // else memory is not the truth

    /// <summary>
    /// A hold lost in a crash lets its credit be reserved again, and the second charge of it goes uncollected;
    /// so holds reserved since the last checkpoint may sum to at most 5 % of the account's credit.
    /// </summary>
    protected override bool BeyondOwnLossBudget =>
        _book is { } book && _held - _heldCheckpointed > RateLimiter.LossBudget(Math.Max(0, book.Balance + book.OverdraftLimit));

    /// <summary>
    /// The holds and the windows in the account's row, fenced by its version; a failure is handled as any failed write. When the
    /// windows did not move and the holds are those the row stores (mostly none: each authorize was settled before the checkpoint
    /// came), nothing is written: once every write so far has committed (the settles that ended the holds), a crash loses nothing.
    /// </summary>
    protected override async Task WriteCheckpoint(LimiterState windows)
    {
        var book = Existing();
        var held = _held;
        _reservationsChanged = false;
        if (base.Uncheckpointed || !HoldsAsStored(book))
        {
            _storedReservations = StoredIds(book.Reservations);
            Row.Write(version => AccountStore.Checkpoint(AccountId, book.Balance, version, book.Reservations, windows), onlyTakesAway: true); // holds no answer waits for
        }
        var submitted = Stopwatch.GetTimestamp(); // every write made by now commits before AllCommittedAsync completes
        await Row.AllCommittedAsync();
        HoldsSafeAfter(held, submitted);
    }

    /// <summary>
    /// Once every write made by <paramref name="submitted"/> (a <see cref="Stopwatch"/> timestamp) has committed, with the holds then
    /// live stored by them: every hold reserved by then (<paramref name="held"/> of <see cref="_held"/>) is in the row or ended by a
    /// committed write, so the loss budget counts from there. Results settled by then are in the ledger, where a repeat reads them: memory
    /// forgets them, and keeps their ids a minute. A result kept longer was traced and copied by the collector twice per pair (its gen 0
    /// pauses on many accounts grew by half), and a busy account kept 16,384 of them (megabytes).
    /// </summary>
    private void HoldsSafeAfter(long held, long submitted)
    {
        _heldCheckpointed = Math.Max(_heldCheckpointed, held);
        _settled?.ForgetAddedBy(submitted);
        _settledIds?.ForgetAddedBy(Math.Min(submitted, Stopwatch.GetTimestamp() - SettledKeptFor));
    }

    /// <summary>How long a settled id stays in memory once committed (<see cref="Stopwatch"/> ticks).</summary>
    private static readonly long SettledKeptFor = 60 * Stopwatch.Frequency;

    private bool HoldsAsStored(CreditBook book) =>
        book.HoldCount == (_storedReservations?.Count ?? 0) && book.Reservations.All(hold => _storedReservations!.Contains(hold.RequestId));

    public override void OnDehydrate(IDehydrationContext context)
    {
        base.OnDehydrate(context);
        if (MayCheckpoint) context.AddBytes(CarriedHolds, System.Text.Encoding.UTF8.GetBytes(AccountStore.HoldsJson(_book!.Reservations)));
    }

    public override void OnRehydrate(IRehydrationContext context)
    {
        base.OnRehydrate(context);
        if (context.TryGetBytes(CarriedHolds, out var json)) _carriedHolds = AccountStore.Holds(System.Text.Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(json)));
    }

    /// <summary>Takes the committed account row as the truth, with <paramref name="holds"/> on it.</summary>
    private void Apply(StoredAccount stored, IEnumerable<Reservation> holds)
    {
        _settings = stored.Settings;
        _budgets = stored.Budgets.Count == 0 ? null : BudgetBook.Load(AccountId, stored.Budgets, stored.BudgetSpend, AccountZone, Time.GetUtcNow());
        var grants = GrantSet.Of(stored.Grants);
        var debt = grants.Total - stored.Balance; // what charges took beyond the grants
        if (debt < 0)
            throw new InvalidOperationException($"Account '{AccountId}' has a balance of {stored.Balance}, more than its open grants hold ({grants.Total}): every credit must be a grant.");
        _book = new CreditBook(stored.OverdraftLimit, grants, debt, _budgets);
        _book.Advance(Time.GetUtcNow());
        Limits.Configure(_settings.Limits);
        _createdAt = stored.CreatedAt;
        Row.Version = stored.Version;
        foreach (var reservation in holds) _book.Restore(reservation);
        _storedReservations = StoredIds(stored.Reservations);
    }

    /// <summary>After a failed write (not a stale version): takes the committed row, keeping the holds and windows in memory.</summary>
    private void Reloaded(StoredAccount? stored)
    {
        var holds = _book?.Reservations.ToList() ?? [];
        (_settled, _settledIds, _adjustments) = (null, null, null); // some of them may never have committed
        if (stored is null)
        {
            (_book, _budgets, _settings) = (null, null, AccountSettings.Initial);
            return;
        }
        Apply(stored, holds);
        _reservationsChanged = true; // the holds in memory are not the stored set
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_book?.ExpireDue(NowMs) > 0) _reservationsChanged = true;
        await Row.DrainAsync(); // committed before the next activation reads the row (a migration's too)
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    private void WriteReservations(CreditBook book)
    {
        _reservationsChanged = false;
        _storedReservations = StoredIds(book.Reservations);
        Row.Write(version => AccountStore.UpdateWithReservations(AccountId, book.Balance, version, book.Reservations), onlyTakesAway: false);
    }

    private static HashSet<string>? StoredIds(IReadOnlyCollection<Reservation> reservations) =>
        reservations.Count == 0 ? null : new HashSet<string>(reservations.Select(r => r.RequestId), StringComparer.Ordinal);

    public async Task<AccountSnapshot> Create(CreateAccount request)
    {
        Validate.Amount(request.InitialCredit, nameof(request.InitialCredit), allowZero: true);
        Validate.Amount(request.OverdraftLimit, nameof(request.OverdraftLimit), allowZero: true);
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        await Row.ReadyAsync();
        if (_book is not null)
        {
            // A repeat of the same creation (a retry whose answer was lost) gets the account; anything else is a clash.
            await Row.AllCommittedAsync();
            var initial = await Row.ReadAsync(db => AccountStore.FindAsync(db, AccountId, "adjust", "initial"));
            if (Existing().OverdraftLimit == request.OverdraftLimit && (initial?.Amount ?? 0) == request.InitialCredit) return Snapshot([], null);
            throw new TollgateException(AccountErrors.Exists, $"Account '{AccountId}' already exists with other settings.");
        }
        return await Answer(() =>
        {
            if (_book is not null) throw new TollgateException(ErrorCodes.StorageFailed, $"Account '{AccountId}' was created meanwhile; retry.");
            _createdAt = Time.GetUtcNow();
            // The initial credit is a paid grant without expiry, as an adjustment's is.
            var initial = new Grant(InitialGrant, GrantKinds.Paid, request.InitialCredit, request.InitialCredit, GrantRules.DefaultPriority, _createdAt, null);
            _book = new CreditBook(request.OverdraftLimit, GrantSet.Of(request.InitialCredit > 0 ? [initial] : []), 0); // no budgets yet
            _book.Advance(_createdAt);
            Row.Version = 0;
            Row.Write(_ =>
            {
                var write = AccountStore.Insert(AccountId, request.InitialCredit, request.OverdraftLimit);
                return request.InitialCredit > 0
                    ? write.NewGrant(AccountId, initial, "initial credit", request.Actor)
                        .Ledger("adjust", "initial", request.InitialCredit, request.InitialCredit, request.InitialCredit, null, "initial credit", request.Actor,
                            [new GrantDelta(InitialGrant, request.InitialCredit)])
                    : write;
            }, onlyTakesAway: false);
            return Snapshot([], null);
        });
    }

    public async Task<AccountSnapshot> Get(GetAccount request)
    {
        if (request.LedgerLimit is < 0 or > AccountLimits.MaxLedgerPage)
            throw new TollgateException(AccountErrors.InvalidArgument, $"The ledger page size must be between 0 and {AccountLimits.MaxLedgerPage}.");
        await Row.ReadyAsync();
        if (Existing().ExpireDue(NowMs) > 0) _reservationsChanged = true;
        WriteOffExpiredGrants();
        await Row.AllCommittedAsync(); // the page must include this account's own latest entries
        var ledger = request.LedgerLimit == 0 ? [] : await Row.ReadAsync(db => AccountStore.PageAsync(db, AccountId, request.LedgerLimit, request.LedgerBefore));
        return Snapshot(ledger, ledger.Count == request.LedgerLimit && ledger.Count > 0 ? ledger[^1].EntryId : null);
    }

    public async Task<VoidResult> Void(VoidReservation request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        (long Held, long At)? noHolds = null;
        var voided = await Answer(() =>
        {
            var book = Existing();
            var released = book.Void(request.RequestId);
            if (released > 0) _reservationsChanged = true;
            Limits.Release(request.RequestId, 0, refund: true, NowMs); // never ran: as if never asked
            // A stored hold must not come back on the next activation: store the set without it.
            if (_storedReservations?.Contains(request.RequestId) == true) WriteReservations(book);
            if (NoHolds) noHolds = (_held, Stopwatch.GetTimestamp());
            return new VoidResult(request.RequestId, released > 0, released);
        });
        if (noHolds is { } safe) HoldsSafeAfter(safe.Held, safe.At); // its answer waited for every write before it
        return voided;
    }

    public async Task<AdjustResult> Adjust(AdjustCredit request)
    {
        Validate.Key(request.IdempotencyKey, nameof(request.IdempotencyKey));
        if (request.Amount == 0) throw new TollgateException(AccountErrors.InvalidAmount, "An adjustment amount must not be zero.");
        Validate.Amount(Math.Abs(request.Amount), nameof(request.Amount), allowZero: false);
        Validate.Text(request.Reason, nameof(request.Reason), 500);
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        await Row.ReadyAsync();
        Existing();
        var stored = Adjustments.TryGet(request.IdempotencyKey, out _) ? null
            : await Row.ReadAsync(db => AccountStore.FindAsync(db, AccountId, "adjust", request.IdempotencyKey));
        return await Answer(() =>
        {
            var book = Existing();
            if (Adjustments.TryGet(request.IdempotencyKey, out var known)) return SameAdjustment(known, request);
            if (stored is not null)
            {
                var first = new AdjustResult(request.IdempotencyKey, stored.Amount, stored.BalanceAfter, stored.Reason ?? "", stored.Actor ?? "");
                Adjustments.Add(request.IdempotencyKey, first);
                return SameAdjustment(first, request);
            }

            // Credit is a paid grant without expiry (paying any debt first); a debit draws from the grants as a charge does.
            var now = Time.GetUtcNow();
            var grant = new Grant(AdjustmentGrant(request.IdempotencyKey), GrantKinds.Paid, request.Amount, request.Amount, GrantRules.DefaultPriority, now, null);
            var balanceBefore = book.Balance;
            var deltas = request.Amount > 0 ? book.Credit(grant, now) : book.Debit(-request.Amount);
            var balanceAfter = book.Balance;
            var alerts = AccountAlerts.BalanceCrossed(AccountId, BalanceAlerts, balanceBefore, balanceAfter, "adjust", request.IdempotencyKey);
            Row.Write(version =>
            {
                var write = AccountStore.Update(AccountId, balanceAfter, _settings, version);
                write = request.Amount > 0 ? write.NewGrant(AccountId, grant with { Remaining = LeftOf(grant, deltas) }, request.Reason, request.Actor) : write.Drawn(AccountId, deltas);
                return write.Ledger("adjust", request.IdempotencyKey, request.Amount, balanceAfter, request.Amount, null, request.Reason, request.Actor, deltas)
                    .Alerts(alerts);
            }, onlyTakesAway: false);
            var result = new AdjustResult(request.IdempotencyKey, request.Amount, balanceAfter, request.Reason, request.Actor);
            Adjustments.Add(request.IdempotencyKey, result);
            return result;
        });
    }

    public async Task<AccountAdmission> Authorize(AuthorizeAccount request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Tokens(request.EstimatedInputTokens, nameof(request.EstimatedInputTokens));
        Validate.Tokens(request.MaxOutputTokens, nameof(request.MaxOutputTokens));
        Validate.Ttl(request.TtlSeconds);
        var cost = Priced(request.Price, () => request.Price.WorstCase(request.EstimatedInputTokens, request.MaxOutputTokens));
        var durable = Task.CompletedTask;
        await RecountGate.SteadyAsync(_recounts, Row.ReadyAsync);
        var answer = await Answer(() =>
        {
            if (_book is not { } book) return Denied(new Denial(Denials.AccountNotFound, $"Account '{AccountId}' does not exist."));
            var now = Time.GetUtcNow();
            var nowMs = now.ToUnixTimeMilliseconds();
            if (book.ExpireDue(nowMs) > 0) _reservationsChanged = true;

            if (book.TryGetReservation(request.RequestId, out var held)) return Allowed(held, Limits.State(nowMs), now); // a repeat
            if (_settledIds?.Contains(request.RequestId) == true)
                return Denied(new Denial(Denials.AlreadySettled, $"Request '{request.RequestId}' was already settled."));
            if (_settings.Status == AccountStatus.Suspended)
                return Denied(new Denial(Denials.AccountSuspended, $"Account '{AccountId}' is suspended."));

            var tokens = request.EstimatedInputTokens + request.MaxOutputTokens;
            var expiresAt = nowMs + request.TtlSeconds * 1000L;
            var admission = Acquire(request.RequestId, tokens, request.TtlSeconds, nowMs);
            if (!admission.Allowed) return Denied(admission.Denial!, admission.Limits);
            if (_budgets?.Refusal(request.KeyId, new Spend(cost, tokens), now) is { } overBudget)
            {
                Limits.Release(request.RequestId, 0, refund: true, nowMs);
                return Denied(overBudget, Limits.State(nowMs), _budgets!.StatesFor(request.KeyId, now));
            }

            // The trial first, paid credit after; a stale or used-up trial never stands in the way of paid credit.
            var funding = _settings.Trial?.CanFund(cost, tokens, book.TrialHeld, now) == true ? Funding.Trial
                : book.CanReserve(cost) ? Funding.Credit : null;
            if (funding is null)
            {
                Limits.Release(request.RequestId, 0, refund: true, nowMs);
                return Denied(NoFunds(cost, now), Limits.State(nowMs));
            }
            var hold = book.Reserve(new Reservation(request.RequestId, cost, expiresAt, funding, tokens, nowMs, request.Price, request.KeyId));
            _reservationsChanged = true;
            _held += hold.Amount;
            durable = DurableAsync();
            return Allowed(hold, admission.Limits, now);
        }, provisional: true); // the hold lives in memory only: it need not wait for earlier settles' commits
        await durable;
        return answer;
    }

    public async Task<RequestSettled> Settle(SettleRequest request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Text(request.Model, nameof(request.Model), 200);
        Validate.Outcome(request.Outcome);
        Validate.Tokens(request.InputTokens, nameof(request.InputTokens));
        Validate.Tokens(request.OutputTokens, nameof(request.OutputTokens));
        if (request.LatencyMs is < 0) throw new TollgateException(AccountErrors.InvalidArgument, "LatencyMs must not be negative.");
        if (request.Details is { } details && details.OrNull() is null) request = request with { Details = null }; // all-zero details are none
        Cost(request.Price, request); // validates before anything changes
        await Row.ReadyAsync();
        // No live hold and no recent result: a repeat of an older settlement, or a late one (expired or lost hold, or usage reported directly).
        var stored = Settled.TryGet(request.RequestId, out _) || Existing().TryGetReservation(request.RequestId, out _) ? null
            : await Row.ReadAsync(db => AccountStore.FindSettledAsync(db, AccountId, request.RequestId));
        await RecountGate.SteadyAsync(_recounts, Row.ReadyAsync);
        (long Held, long At)? noHolds = null;
        var settled = await Answer(() =>
        {
            var book = Existing();
            var now = Time.GetUtcNow();
            var nowMs = now.ToUnixTimeMilliseconds();
            if (book.ExpireDue(nowMs) > 0) _reservationsChanged = true;

            if (Settled.TryGet(request.RequestId, out var known)) return SameSettled(known, request);
            var live = book.TryGetReservation(request.RequestId, out var held) ? held : null;
            if (live is null && stored is not null)
            {
                SettledIds.Add(request.RequestId); // committed already: a repeat reads the ledger again
                return SameSettled(stored, request);
            }

            var tokens = request.InputTokens + request.OutputTokens;
            // The hold's captured price and funding win over what the caller sends (the reservation id is not signed).
            var price = live?.Price ?? request.Price;
            var cost = Cost(price, request);
            var hold = book.Take(request.RequestId);
            if (hold is not null) _reservationsChanged = true;
            Limits.Release(request.RequestId, tokens, refund: false, nowMs);
            // A hold says how it was funded; without one, the authorize's word (a lost hold), else the trial while it lasts.
            var trialFunded = hold?.OnTrial ?? (request.FundedBy == Funding.Trial || (request.FundedBy is null && _settings.Trial?.IsActive(now) == true));
            long trialUsed = 0;
            Trial? trialAfter = null;
            if (trialFunded && _settings.Trial is { } trial)
            {
                (trialAfter, trialUsed) = trial.Use(cost, tokens);
                _settings = _settings with { Trial = trialAfter };
            }
            var balanceBefore = book.Balance;
            var settlement = book.Charge(cost - trialUsed, hold?.Amount ?? 0);
            // Budgets count the cost in the period of its authorize (of its settle, without one).
            var authorizedAt = hold is not null ? DateTimeOffset.FromUnixTimeMilliseconds(hold.AuthorizedAt) : request.AuthorizedAt ?? now;
            var budgets = _budgets?.Charge(hold?.KeyId ?? request.KeyId, new Spend(cost, tokens), authorizedAt, now) ?? default;
            var alerts = AccountAlerts.BalanceCrossed(AccountId, BalanceAlerts, balanceBefore, book.Balance, "settle", request.RequestId);
            foreach (var crossing in budgets.Crossings ?? []) (alerts ??= []).Add(AccountAlerts.BudgetCrossed(AccountId, crossing));
            var result = new RequestSettled(request.RequestId, request.Model, request.InputTokens, request.OutputTokens, price,
                cost, trialUsed, settlement.Charged, settlement.Uncollected, settlement.BalanceAfter, Details: request.Details);
            Row.Write(version => AccountStore.Charge(AccountId, book.Balance, version, trialAfter, budgets.Changed)
                .Drawn(AccountId, settlement.Draws)
                .Ledger("settle", request.RequestId, -settlement.Charged, settlement.BalanceAfter, cost, settlement.Reserved, null, null, settlement.Draws)
                .Usage(request, result)
                .Alerts(alerts), onlyTakesAway: true); // a charge: authorizes need not wait for it
            Settled.Add(request.RequestId, result);
            SettledIds.Add(request.RequestId);
            if (NoHolds) noHolds = (_held, Stopwatch.GetTimestamp());
            return result;
        });
        if (noHolds is { } safe) HoldsSafeAfter(safe.Held, safe.At); // its answer waited for its write, and so for every write before it
        return settled;
    }

    public Task<AccountSnapshot> GrantTrial(GrantTrial request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (request.Credit is null && request.Tokens is null && request.Requests is null)
            throw new TollgateException(AccountErrors.InvalidTrial, "A trial grants credit, tokens or requests (at least one).");
        if (request.Credit is < 1 or > Credits.MaxAmount || request.Tokens is < 1 or > LimitSettings.MaxRate || request.Requests is < 1 or > LimitSettings.MaxRate)
            throw new TollgateException(AccountErrors.InvalidTrial, $"Trial credit must be 1 to {Credits.MaxAmount} nano-USD, tokens and requests 1 to {LimitSettings.MaxRate}.");
        return Answer(() =>
        {
            var now = Time.GetUtcNow();
            if (request.ExpiresAt <= now) throw new TollgateException(AccountErrors.InvalidTrial, "A trial must expire in the future.");
            var book = Existing();
            if (_settings.Trial?.SameGrant(request) != true)
            {
                _settings = _settings with { Trial = new Trial(request.Credit, request.Tokens, request.Requests, 0, 0, 0, request.ExpiresAt, now, request.Actor) };
                Row.Write(version => AccountStore.Update(AccountId, book.Balance, _settings, version), onlyTakesAway: false);
            }
            return Snapshot([], null);
        });
    }

    public Task<AccountSnapshot> SetAlerts(SetAlerts request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (request.Alerts is null) throw new TollgateException(AlertErrors.InvalidAlerts, "Alerts are required.");
        if (request.Alerts.Problem() is { } problem) throw new TollgateException(AlertErrors.InvalidAlerts, problem);
        return Answer(() =>
        {
            var book = Existing();
            _settings = _settings with { Alerts = request.Alerts };
            _announcedExpiries = null; // a longer warning may cover grants not announced yet
            Row.Write(version => AccountStore.UpdateAlerts(AccountId, book.Balance, version, request.Alerts), onlyTakesAway: false);
            return Snapshot([], null);
        });
    }

    /// <summary>The account's balance alerts, as set or by default.</summary>
    private AlertSettings BalanceAlerts => _settings.Alerts ?? AlertSettings.Default;

    public Task<AccountSnapshot> SetStatus(SetAccountStatus request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (request.Status is not (AccountStatus.Active or AccountStatus.Suspended))
            throw new TollgateException(AccountErrors.InvalidStatus, $"The status must be '{AccountStatus.Active}' or '{AccountStatus.Suspended}'.");
        return Answer(() =>
        {
            var book = Existing();
            if (_settings.Status != request.Status)
            {
                _settings = _settings with { Status = request.Status };
                Row.Write(version => AccountStore.Update(AccountId, book.Balance, _settings, version), onlyTakesAway: false);
            }
            return Snapshot([], null);
        });
    }

    public override async Task<ReleaseResult> Release(ReleaseGrant request) => new(await Answer(() => ReleaseGrant(request)));

    /// <summary>Counts a hit against the account's limits, if it exists and is not suspended (as an authorize checks); holds no credit.</summary>
    public override async Task<HitResult> Hit(LimitHit hit)
    {
        ValidateHit(hit);
        var durable = Task.CompletedTask;
        var answer = await Answer(() =>
        {
            if (_book is null) return Refused(Denials.AccountNotFound, $"Account '{AccountId}' does not exist.");
            if (_settings.Status == AccountStatus.Suspended) return Refused(Denials.AccountSuspended, $"Account '{AccountId}' is suspended.");
            var counted = CountHit(hit);
            durable = DurableAsync();
            return counted;
        }, provisional: true); // windows live in memory, as an authorize's hold
        await durable;
        return answer;
    }

    public override Task<bool> TakeBack(HitTakeBack takeBack) => Answer(() => TakeBackHit(takeBack), provisional: true);

    /// <summary>Keeps a running request's hold and its grant of the account's limits; true while the hold is there.</summary>
    public override Task<RenewResult> Renew(RenewGrant request)
    {
        ValidateRenewal(request);
        return Answer(() =>
        {
            var book = Existing();
            var nowMs = NowMs;
            if (book.ExpireDue(nowMs) > 0) _reservationsChanged = true;
            var renewed = book.Renew(request.RequestId, request.TtlSeconds * 1000L, AccountLimits.MaxHoldLifetimeSeconds * 1000L, nowMs);
            if (renewed == true) _reservationsChanged = true; // the next checkpoint stores the later expiry
            RenewGrant(request);
            return new RenewResult(renewed is not null);
        }, provisional: true); // memory only, as an authorize's hold: it waits for no earlier charge's commit
    }

    protected override bool HoldsNothing => _book is null; // an account that does not exist

    protected override LimitSettings? OwnLimits
    {
        get
        {
            Existing();
            return _settings.Limits;
        }
    }

    protected override Task StoreLimitsAsync(LimitSettings limits, string actor) => Answer(() =>
    {
        _settings = _settings with { Limits = limits };
        Row.Write(version => AccountStore.Update(AccountId, Existing().Balance, _settings, version), onlyTakesAway: false);
        return true;
    });

    /// <summary>Runs a call's turn and answers once what it rests on has committed (see <see cref="AccountRow.AnswerAsync"/>).</summary>
    private Task<T> Answer<T>(Func<T> turn, bool provisional = false) => Row.AnswerAsync(() =>
    {
        WriteOffExpiredGrants();
        var result = turn();
        CheckpointSoon();
        return result;
    }, provisional);

    /// <summary>Why nothing can fund a request: a trial-only account whose trial is used up or expired, or too little paid credit.</summary>
    private Denial NoFunds(long cost, DateTimeOffset now)
    {
        var book = _book!;
        if (_settings.Trial is { } trial && book.Available <= 0)
            return new Denial(Denials.TrialExhausted, now >= trial.ExpiresAt
                ? $"The trial of account '{AccountId}' expired at {trial.ExpiresAt:O}, and it has no paid credit."
                : $"The trial of account '{AccountId}' cannot cover this request, and it has no paid credit.");
        return new Denial(Denials.InsufficientCredit,
            $"The request may cost up to {Credits.ToUsd(cost)} USD; account '{AccountId}' has {Credits.ToUsd(book.Available)} USD available.");
    }

    private AccountAdmission Allowed(Reservation hold, IReadOnlyList<LimitState> limits, DateTimeOffset now) =>
        new(new Admission(true, null, limits), hold.Funding ?? Funding.Credit, hold.Amount, _book!.Available, DateTimeOffset.FromUnixTimeMilliseconds(hold.AuthorizedAt),
            _budgets is not { Count: > 0 } budgets ? null : budgets.StatesFor(hold.KeyId, now));

    private AccountAdmission Denied(Denial denial, IReadOnlyList<LimitState>? limits = null, IReadOnlyList<BudgetState>? budgets = null) =>
        new(new Admission(false, denial, limits ?? []), null, 0, _book?.Available ?? 0, null, budgets);

    /// <summary>The cost of <paramref name="request"/>'s tokens at <paramref name="price"/>; bad input refused with a stable code.</summary>
    private static long Cost(Price price, SettleRequest request) => Priced(price, () => price.Cost(request.InputTokens, request.OutputTokens, request.Details));

    private static long Priced(Price price, Func<long> cost)
    {
        if (price.Problem() is { } problem) throw new TollgateException(AccountErrors.InvalidArgument, problem);
        try
        {
            return cost();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            var message = ex.Message.Replace($" (Parameter '{ex.ParamName}')", "", StringComparison.Ordinal);
            throw new TollgateException(ex.ParamName == "details" ? AccountErrors.InvalidArgument : AccountErrors.InvalidAmount, message);
        }
    }

    private static RequestSettled SameSettled(RequestSettled first, SettleRequest request) =>
        first.Model == request.Model && first.InputTokens == request.InputTokens && first.OutputTokens == request.OutputTokens
        && (first.Details ?? TokenDetails.None) == (request.Details ?? TokenDetails.None) ? first with { Repeated = true }
        : throw new TollgateException(AccountErrors.IdempotencyConflict,
            $"Request '{request.RequestId}' was already settled with different model or token counts.");

    private CreditBook Existing() =>
        _book ?? throw new TollgateException(AccountErrors.NotFound, $"Account '{AccountId}' does not exist.");

    private static AdjustResult SameAdjustment(AdjustResult first, AdjustCredit request) =>
        first.Amount == request.Amount && first.Reason == request.Reason ? first
        : throw new TollgateException(AccountErrors.IdempotencyConflict,
            $"Idempotency key '{request.IdempotencyKey}' was already used for a different adjustment ({first.Amount}, '{first.Reason}').");

    private AccountSnapshot Snapshot(IReadOnlyList<LedgerEntry> ledger, long? nextBefore)
    {
        var book = _book!;
        return new AccountSnapshot(AccountId, _settings.Status, book.Balance, book.Pending, book.Available, book.OverdraftLimit,
            book.HoldCount, _createdAt, _settings.Trial?.View(Time.GetUtcNow()), _settings.Limits, ledger, nextBefore, _settings.TimeZone ?? TimeZones.Utc,
            _budgets?.StatesOf(null, Time.GetUtcNow()) ?? [], BalanceAlerts);
    }
}
