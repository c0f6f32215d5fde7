using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;
using Tollgate.Runtime;
using Tollgate.Runtime.Hosting;

namespace Tollgate.Grains.Accounts;

/// <summary>
/// One account: credits, trial, status and rate limits. Reservations and rate windows live in
/// memory (reservations are flushed on deactivation); every balance change is a versioned write of
/// the account row plus its ledger row (and a settled request's usage row), committed before the
/// caller hears of it. Settlements and adjustments are idempotent by their ids: a repeat returns
/// the first result, from memory or from the database.
/// </summary>
internal sealed class AccountGrain() : LimitedGrain("account"),
    IHandle<CreateAccount, AccountSnapshot>,
    IHandle<GetAccount, AccountSnapshot>,
    IHandle<ReserveCredit, ReserveResult>,
    IHandle<SettleCredit, SettleResult>,
    IHandle<VoidReservation, VoidResult>,
    IHandle<AdjustCredit, AdjustResult>,
    IHandle<AuthorizeAccount, AccountAdmission>,
    IHandle<SettleRequest, RequestSettled>,
    IHandle<GrantTrial, AccountSnapshot>,
    IHandle<SetAccountStatus, AccountSnapshot>
{
    private readonly RecentResults<SettleResult> _settlements = new(capacity: 16_384);
    private readonly RecentResults<AdjustResult> _adjustments = new(capacity: 1_024);
    private readonly RecentResults<RequestSettled> _settled = new(capacity: 16_384);
    private CreditBook? _book; // null until the account exists
    private AccountSettings _settings = AccountSettings.Initial;
    private DateTimeOffset _createdAt;
    private long _version;
    private bool _reservationsChanged;
    private HashSet<string> _storedReservations = new(StringComparer.Ordinal); // ids in accounts.reservations

    private string AccountId => Id.Key;

    protected override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stored = await AccountStore.LoadAsync(Database, AccountId);
        if (stored is null) return;
        _book = new CreditBook(stored.Balance, stored.OverdraftLimit);
        _settings = stored.Settings;
        Limits.Configure(_settings.Limits);
        _createdAt = stored.CreatedAt;
        _version = stored.Version;
        foreach (var reservation in stored.Reservations) _book.Restore(reservation);
        _storedReservations = new HashSet<string>(stored.Reservations.Select(r => r.RequestId), StringComparer.Ordinal);
        _reservationsChanged = _book.ExpireDue(NowMs) > 0;
    }

    protected override Task OnDeactivateAsync(CancellationToken cancellationToken)
    {
        if (_book is null) return Task.CompletedTask;
        if (_book.ExpireDue(NowMs) > 0) _reservationsChanged = true;
        return _reservationsChanged ? WriteReservations(_book) : Task.CompletedTask;
    }

    private Task WriteReservations(CreditBook book)
    {
        _reservationsChanged = false;
        _storedReservations = new HashSet<string>(book.Reservations.Select(r => r.RequestId), StringComparer.Ordinal);
        return Write(AccountStore.UpdateWithReservations(Id, book.Balance, _version++, book.Reservations));
    }

    public async Task<AccountSnapshot> Handle(CreateAccount request)
    {
        Validate.Amount(request.InitialCredit, nameof(request.InitialCredit), allowZero: true);
        Validate.Amount(request.OverdraftLimit, nameof(request.OverdraftLimit), allowZero: true);
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (_book is not null)
        {
            // A repeat of the same creation (a retry whose answer was lost) gets the account; anything else is a clash.
            await WritesCommitted();
            var initial = await AccountStore.FindAsync(Database, AccountId, "adjust", "initial");
            if (_book.OverdraftLimit == request.OverdraftLimit && (initial?.Amount ?? 0) == request.InitialCredit) return Snapshot([], null);
            throw new GrainException(AccountErrors.Exists, $"Account '{AccountId}' already exists with other settings.");
        }

        _book = new CreditBook(request.InitialCredit, request.OverdraftLimit);
        _createdAt = Time.GetUtcNow();
        _version = 1;
        var write = AccountStore.Insert(Id, request.InitialCredit, request.OverdraftLimit);
        if (request.InitialCredit > 0)
            write.Ledger("adjust", "initial", request.InitialCredit, request.InitialCredit, request.InitialCredit, null, "initial credit", request.Actor);
        _ = Write(write);
        return Snapshot([], null);
    }

    public async Task<AccountSnapshot> Handle(GetAccount request)
    {
        if (request.LedgerLimit is < 0 or > AccountLimits.MaxLedgerPage)
            throw new GrainException(AccountErrors.InvalidArgument, $"The ledger page size must be between 0 and {AccountLimits.MaxLedgerPage}.");
        var book = Existing();
        if (book.ExpireDue(NowMs) > 0) _reservationsChanged = true;
        await WritesCommitted(); // the page must include this account's own latest entries
        var ledger = request.LedgerLimit == 0 ? [] : await AccountStore.PageAsync(Database, AccountId, request.LedgerLimit, request.LedgerBefore);
        return Snapshot(ledger, ledger.Count == request.LedgerLimit && ledger.Count > 0 ? ledger[^1].EntryId : null);
    }

    public Task<ReserveResult> Handle(ReserveCredit request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Amount(request.Amount, nameof(request.Amount), allowZero: false);
        if (request.TtlSeconds is < 1 or > AccountLimits.MaxReservationTtlSeconds)
            throw new GrainException(AccountErrors.InvalidArgument, $"The reservation TTL must be between 1 and {AccountLimits.MaxReservationTtlSeconds} seconds.");
        var book = Existing();
        var now = NowMs;
        if (book.ExpireDue(now) > 0) _reservationsChanged = true;

        if (book.TryGetReservation(request.RequestId, out var existing))
            return Task.FromResult(Granted(existing, book));
        if (_settlements.TryGet(request.RequestId, out _))
            return Task.FromResult(new ReserveResult(false, ReserveResult.AlreadySettled, request.RequestId, request.Amount, book.Available, null));
        if (!book.CanReserve(request.Amount))
            return Task.FromResult(new ReserveResult(false, ReserveResult.InsufficientCredit, request.RequestId, request.Amount, book.Available, null));

        var reservation = book.Reserve(request.RequestId, request.Amount, now + request.TtlSeconds * 1000L);
        _reservationsChanged = true;
        return Task.FromResult(Granted(reservation, book));
    }

    public async Task<SettleResult> Handle(SettleCredit request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Amount(request.ActualCost, nameof(request.ActualCost), allowZero: true);
        var book = Existing();
        if (book.ExpireDue(NowMs) > 0) _reservationsChanged = true;

        if (_settlements.TryGet(request.RequestId, out var known)) return SameSettlement(known, request);
        if (!book.TryGetReservation(request.RequestId, out _))
        {
            // No live reservation: a repeat of an older settlement, or a late one (expired or lost hold).
            var entry = await AccountStore.FindAsync(Database, AccountId, "settle", request.RequestId);
            if (entry is not null)
            {
                var first = new SettleResult(request.RequestId, entry.Reserved ?? 0, entry.Requested, -entry.Amount, entry.Requested + entry.Amount, entry.BalanceAfter);
                _settlements.Add(request.RequestId, first);
                return SameSettlement(first, request);
            }
        }

        var settlement = book.Settle(request.RequestId, request.ActualCost);
        if (settlement.Reserved > 0) _reservationsChanged = true;
        var result = new SettleResult(request.RequestId, settlement.Reserved, request.ActualCost, settlement.Charged, settlement.Uncollected, settlement.BalanceAfter);
        _ = Write(AccountStore.Update(Id, book.Balance, _settings, _version++)
            .Ledger("settle", request.RequestId, -settlement.Charged, settlement.BalanceAfter, request.ActualCost, settlement.Reserved, null, null),
            onlyTakesAway: true);
        _settlements.Add(request.RequestId, result);
        return result;
    }

    public Task<VoidResult> Handle(VoidReservation request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        var book = Existing();
        var released = book.Void(request.RequestId);
        if (released > 0) _reservationsChanged = true;
        // A stored hold must not come back on the next activation: store the set without it.
        if (_storedReservations.Contains(request.RequestId)) _ = WriteReservations(book);
        return Task.FromResult(new VoidResult(request.RequestId, released > 0, released));
    }

    public async Task<AdjustResult> Handle(AdjustCredit request)
    {
        Validate.Key(request.IdempotencyKey, nameof(request.IdempotencyKey));
        if (request.Amount == 0) throw new GrainException(AccountErrors.InvalidAmount, "An adjustment amount must not be zero.");
        Validate.Amount(Math.Abs(request.Amount), nameof(request.Amount), allowZero: false);
        Validate.Text(request.Reason, nameof(request.Reason), 500);
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        var book = Existing();

        if (_adjustments.TryGet(request.IdempotencyKey, out var known)) return SameAdjustment(known, request);
        var entry = await AccountStore.FindAsync(Database, AccountId, "adjust", request.IdempotencyKey);
        if (entry is not null)
        {
            var first = new AdjustResult(request.IdempotencyKey, entry.Amount, entry.BalanceAfter, entry.Reason ?? "", entry.Actor ?? "");
            _adjustments.Add(request.IdempotencyKey, first);
            return SameAdjustment(first, request);
        }

        var balanceAfter = book.Adjust(request.Amount);
        _ = Write(AccountStore.Update(Id, balanceAfter, _settings, _version++)
            .Ledger("adjust", request.IdempotencyKey, request.Amount, balanceAfter, request.Amount, null, request.Reason, request.Actor));
        var result = new AdjustResult(request.IdempotencyKey, request.Amount, balanceAfter, request.Reason, request.Actor);
        _adjustments.Add(request.IdempotencyKey, result);
        return result;
    }

    public Task<AccountAdmission> Handle(AuthorizeAccount request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Tokens(request.EstimatedInputTokens, nameof(request.EstimatedInputTokens));
        Validate.Tokens(request.MaxOutputTokens, nameof(request.MaxOutputTokens));
        Validate.Ttl(request.TtlSeconds);
        var cost = Cost(request.Price, request.EstimatedInputTokens, request.MaxOutputTokens);
        if (_book is not { } book) return Denied(new Denial(Denials.AccountNotFound, $"Account '{AccountId}' does not exist."));
        var now = Time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        if (book.ExpireDue(nowMs) > 0) _reservationsChanged = true;

        if (book.TryGetReservation(request.RequestId, out var held)) return Allowed(held, Limits.State(nowMs)); // a repeat
        if (_settled.TryGet(request.RequestId, out _) || _settlements.TryGet(request.RequestId, out _))
            return Denied(new Denial(Denials.AlreadySettled, $"Request '{request.RequestId}' was already settled."));
        if (_settings.Status == AccountStatus.Suspended)
            return Denied(new Denial(Denials.AccountSuspended, $"Account '{AccountId}' is suspended."));

        var tokens = request.EstimatedInputTokens + request.MaxOutputTokens;
        var expiresAt = nowMs + request.TtlSeconds * 1000L;
        var admission = Acquire(request.RequestId, tokens, request.TtlSeconds, nowMs);
        if (!admission.Allowed) return Denied(admission.Denial!, admission.Limits);

        // The trial first, paid credit after; a stale or used-up trial never stands in the way of paid credit.
        var funding = _settings.Trial?.CanFund(cost, tokens, book.TrialHeld, now) == true ? Funding.Trial
            : book.CanReserve(cost) ? Funding.Credit : null;
        if (funding is null)
        {
            Limits.Release(request.RequestId, 0, refund: true, nowMs);
            return Denied(NoFunds(cost, now), Limits.State(nowMs));
        }
        var hold = book.Reserve(new Reservation(request.RequestId, cost, expiresAt, funding, tokens, nowMs, request.Price));
        _reservationsChanged = true;
        return Allowed(hold, admission.Limits);
    }

    public async Task<RequestSettled> Handle(SettleRequest request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Text(request.Model, nameof(request.Model), 200);
        Validate.Outcome(request.Outcome);
        Validate.Tokens(request.InputTokens, nameof(request.InputTokens));
        Validate.Tokens(request.OutputTokens, nameof(request.OutputTokens));
        if (request.LatencyMs is < 0) throw new GrainException(AccountErrors.InvalidArgument, "LatencyMs must not be negative.");
        Cost(request.Price, request.InputTokens, request.OutputTokens); // validates before anything changes
        var book = Existing();
        var now = Time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        if (book.ExpireDue(nowMs) > 0) _reservationsChanged = true;

        if (_settled.TryGet(request.RequestId, out var known)) return SameSettled(known, request);
        var live = book.TryGetReservation(request.RequestId, out var held) ? held : null;
        if (live is null)
        {
            // No live hold: a repeat of an older settlement, or a late one (expired or lost hold, or usage reported directly).
            var stored = await AccountStore.FindSettledAsync(Database, AccountId, request.RequestId);
            if (stored is not null)
            {
                _settled.Add(request.RequestId, stored);
                return SameSettled(stored, request);
            }
        }

        var tokens = request.InputTokens + request.OutputTokens;
        // The hold's captured price and funding win over what the caller sends (the reservation id is not signed).
        var price = live?.Price ?? request.Price;
        var cost = Cost(price, request.InputTokens, request.OutputTokens);
        var hold = book.Take(request.RequestId);
        if (hold is not null) _reservationsChanged = true;
        Limits.Release(request.RequestId, tokens, refund: false, nowMs);
        // A hold says how it was funded; without one, the authorize's word (a lost hold), else the trial while it lasts.
        var trialFunded = hold?.OnTrial ?? (request.FundedBy == Funding.Trial || (request.FundedBy is null && _settings.Trial?.IsActive(now) == true));
        long trialUsed = 0;
        if (trialFunded && _settings.Trial is { } trial)
        {
            (var after, trialUsed) = trial.Use(cost, tokens);
            _settings = _settings with { Trial = after };
        }
        var settlement = book.Charge(cost - trialUsed, hold?.Amount ?? 0);
        var result = new RequestSettled(request.RequestId, request.Model, request.InputTokens, request.OutputTokens, price,
            cost, trialUsed, settlement.Charged, settlement.Uncollected, settlement.BalanceAfter);
        _ = Write(AccountStore.Update(Id, book.Balance, _settings, _version++)
            .Ledger("settle", request.RequestId, -settlement.Charged, settlement.BalanceAfter, cost, settlement.Reserved, null, null)
            .Usage(request with { Price = price }, result), onlyTakesAway: true); // a charge: authorizes need not wait for it
        _settled.Add(request.RequestId, result);
        return result;
    }

    public Task<AccountSnapshot> Handle(GrantTrial request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (request.Credit is null && request.Tokens is null && request.Requests is null)
            throw new GrainException(AccountErrors.InvalidTrial, "A trial grants credit, tokens or requests (at least one).");
        if (request.Credit is < 1 or > Credits.MaxAmount || request.Tokens is < 1 or > LimitSettings.MaxRate || request.Requests is < 1 or > LimitSettings.MaxRate)
            throw new GrainException(AccountErrors.InvalidTrial, $"Trial credit must be 1 to {Credits.MaxAmount} nano-USD, tokens and requests 1 to {LimitSettings.MaxRate}.");
        var now = Time.GetUtcNow();
        if (request.ExpiresAt <= now) throw new GrainException(AccountErrors.InvalidTrial, "A trial must expire in the future.");
        var book = Existing();
        if (_settings.Trial?.SameGrant(request) != true)
        {
            _settings = _settings with { Trial = new Trial(request.Credit, request.Tokens, request.Requests, 0, 0, 0, request.ExpiresAt, now, request.Actor) };
            _ = Write(AccountStore.Update(Id, book.Balance, _settings, _version++));
        }
        return Task.FromResult(Snapshot([], null));
    }

    public Task<AccountSnapshot> Handle(SetAccountStatus request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (request.Status is not (AccountStatus.Active or AccountStatus.Suspended))
            throw new GrainException(AccountErrors.InvalidStatus, $"The status must be '{AccountStatus.Active}' or '{AccountStatus.Suspended}'.");
        var book = Existing();
        if (_settings.Status != request.Status)
        {
            _settings = _settings with { Status = request.Status };
            _ = Write(AccountStore.Update(Id, book.Balance, _settings, _version++));
        }
        return Task.FromResult(Snapshot([], null));
    }

    protected override bool HoldsNothing => _book is null; // an account that does not exist

    protected override LimitSettings OwnLimits
    {
        get
        {
            Existing();
            return _settings.Limits;
        }
    }

    protected override void StoreLimits(LimitSettings limits, string actor)
    {
        _settings = _settings with { Limits = limits };
        _ = Write(AccountStore.Update(Id, Existing().Balance, _settings, _version++));
    }

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

    private Task<AccountAdmission> Allowed(Reservation hold, IReadOnlyList<LimitState> limits) =>
        Task.FromResult(new AccountAdmission(new Admission(true, null, limits), hold.Funding ?? Funding.Credit, hold.Amount, _book!.Available,
            DateTimeOffset.FromUnixTimeMilliseconds(hold.AuthorizedAt)));

    private Task<AccountAdmission> Denied(Denial denial, IReadOnlyList<LimitState>? limits = null) =>
        Task.FromResult(new AccountAdmission(new Admission(false, denial, limits ?? []), null, 0, _book?.Available ?? 0, null));

    private static long Cost(Price price, long inputTokens, long outputTokens)
    {
        if (price.InputPerMillion is < 0 or > Models.ModelLimits.MaxPricePerMillion || price.OutputPerMillion is < 0 or > Models.ModelLimits.MaxPricePerMillion)
            throw new GrainException(AccountErrors.InvalidArgument, $"Prices must be between 0 and {Models.ModelLimits.MaxPricePerMillion} nano-USD per million tokens.");
        try
        {
            return price.Cost(inputTokens, outputTokens);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new GrainException(AccountErrors.InvalidAmount, ex.Message);
        }
    }

    private static RequestSettled SameSettled(RequestSettled first, SettleRequest request) =>
        first.Model == request.Model && first.InputTokens == request.InputTokens && first.OutputTokens == request.OutputTokens ? first
        : throw new GrainException(AccountErrors.IdempotencyConflict,
            $"Request '{request.RequestId}' was already settled with different model or token counts.");

    private CreditBook Existing() =>
        _book ?? throw new GrainException(AccountErrors.NotFound, $"Account '{AccountId}' does not exist.");


    private static ReserveResult Granted(Reservation reservation, CreditBook book) =>
        new(true, null, reservation.RequestId, reservation.Amount, book.Available, DateTimeOffset.FromUnixTimeMilliseconds(reservation.ExpiresAt));

    private static SettleResult SameSettlement(SettleResult first, SettleCredit request) =>
        first.ActualCost == request.ActualCost ? first
        : throw new GrainException(AccountErrors.IdempotencyConflict,
            $"Request '{request.RequestId}' was already settled with an actual cost of {first.ActualCost}, not {request.ActualCost}.");

    private static AdjustResult SameAdjustment(AdjustResult first, AdjustCredit request) =>
        first.Amount == request.Amount && first.Reason == request.Reason ? first
        : throw new GrainException(AccountErrors.IdempotencyConflict,
            $"Idempotency key '{request.IdempotencyKey}' was already used for a different adjustment ({first.Amount}, '{first.Reason}').");

    private AccountSnapshot Snapshot(IReadOnlyList<LedgerEntry> ledger, long? nextBefore)
    {
        var book = _book!;
        return new AccountSnapshot(AccountId, _settings.Status, book.Balance, book.Pending, book.Available, book.OverdraftLimit,
            book.Reservations.Count, _createdAt, _settings.Trial?.View(Time.GetUtcNow()), _settings.Limits, ledger, nextBefore);
    }
}
