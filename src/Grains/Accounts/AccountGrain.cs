using Tollgate.Runtime;
using Tollgate.Runtime.Hosting;

namespace Tollgate.Grains.Accounts;

/// <summary>
/// One account's credits. Reservations live in memory (flushed on deactivation); every balance
/// change is a versioned write of the account row plus its ledger row, committed before the
/// caller hears of it. Settlements and adjustments are idempotent by their ids: a repeat returns
/// the first result, from memory or from the ledger.
/// </summary>
internal sealed class AccountGrain : Grain,
    IHandle<CreateAccount, AccountSnapshot>,
    IHandle<GetAccount, AccountSnapshot>,
    IHandle<ReserveCredit, ReserveResult>,
    IHandle<SettleCredit, SettleResult>,
    IHandle<VoidReservation, VoidResult>,
    IHandle<AdjustCredit, AdjustResult>,
    IHandle<RecordUsage, UsageRecorded>
{
    private readonly RecentResults<SettleResult> _settlements = new(capacity: 16_384);
    private readonly RecentResults<AdjustResult> _adjustments = new(capacity: 1_024);
    private readonly RecentResults<UsageRecorded> _usage = new(capacity: 16_384);
    private CreditBook? _book; // null until the account exists
    private string _status = "active";
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
        _status = stored.Status;
        _createdAt = stored.CreatedAt;
        _version = stored.Version;
        foreach (var reservation in stored.Reservations) _book.Restore(reservation);
        _storedReservations = new HashSet<string>(stored.Reservations.Select(r => r.RequestId), StringComparer.Ordinal);
        _reservationsChanged = _book.ExpireDue(NowMs()) > 0;
    }

    protected override Task OnDeactivateAsync(CancellationToken cancellationToken)
    {
        if (_book is null) return Task.CompletedTask;
        if (_book.ExpireDue(NowMs()) > 0) _reservationsChanged = true;
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
        if (book.ExpireDue(NowMs()) > 0) _reservationsChanged = true;
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
        var now = NowMs();
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
        if (book.ExpireDue(NowMs()) > 0) _reservationsChanged = true;

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
        _ = Write(AccountStore.Update(Id, book.Balance, _version++)
            .Ledger("settle", request.RequestId, -settlement.Charged, settlement.BalanceAfter, request.ActualCost, settlement.Reserved, null, null));
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
        _ = Write(AccountStore.Update(Id, balanceAfter, _version++)
            .Ledger("adjust", request.IdempotencyKey, request.Amount, balanceAfter, request.Amount, null, request.Reason, request.Actor));
        var result = new AdjustResult(request.IdempotencyKey, request.Amount, balanceAfter, request.Reason, request.Actor);
        _adjustments.Add(request.IdempotencyKey, result);
        return result;
    }

    public async Task<UsageRecorded> Handle(RecordUsage request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Text(request.Model, nameof(request.Model), 200);
        Validate.Text(request.Outcome, nameof(request.Outcome), 40);
        var book = Existing();

        if (_usage.TryGet(request.RequestId, out var known)) return SameUsage(known, request);
        var stored = await AccountStore.FindUsageAsync(Database, AccountId, request.RequestId);
        if (stored is not null)
        {
            _usage.Add(request.RequestId, stored);
            return SameUsage(stored, request);
        }

        long cost;
        try
        {
            cost = new Metering.Price(request.InputPricePerMillion, request.OutputPricePerMillion).Cost(request.InputTokens, request.OutputTokens);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new GrainException(AccountErrors.InvalidArgument, ex.Message);
        }
        var settlement = book.Settle(request.RequestId, cost); // no reservation: charged like a late settlement
        if (settlement.Reserved > 0) _reservationsChanged = true;
        _ = Write(AccountStore.Update(Id, book.Balance, _version++)
            .Ledger("usage", request.RequestId, -settlement.Charged, settlement.BalanceAfter, cost, null, null, null)
            .Usage(request, cost, settlement.Charged));
        var result = new UsageRecorded(request.RequestId, request.Model, request.InputTokens, request.OutputTokens, cost, settlement.Charged, settlement.Uncollected, settlement.BalanceAfter);
        _usage.Add(request.RequestId, result);
        return result;
    }

    private static UsageRecorded SameUsage(UsageRecorded first, RecordUsage request) =>
        first.Model == request.Model && first.InputTokens == request.InputTokens && first.OutputTokens == request.OutputTokens ? first
        : throw new GrainException(AccountErrors.IdempotencyConflict,
            $"Usage '{request.RequestId}' was already recorded with different model or token counts.");

    private CreditBook Existing() =>
        _book ?? throw new GrainException(AccountErrors.NotFound, $"Account '{AccountId}' does not exist.");

    private long NowMs() => Time.GetUtcNow().ToUnixTimeMilliseconds();

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
        return new AccountSnapshot(AccountId, _status, book.Balance, book.Pending, book.Available, book.OverdraftLimit,
            book.Reservations.Count, _createdAt, ledger, nextBefore);
    }
}
