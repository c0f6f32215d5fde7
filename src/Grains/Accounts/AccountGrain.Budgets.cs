using Tollgate.Grains.Budgets;

namespace Tollgate.Grains.Accounts;

/// <summary>
/// The account's budgets, its keys' included: set, deleted and read here, counted in <see cref="Authorize"/> and
/// <see cref="Settle"/> (see <see cref="BudgetBook"/>). A budget set mid-period, or moved by a change of the account's
/// zone, is counted from the usage table while authorizes and settles wait (<see cref="RecountGate"/>).
/// </summary>
internal sealed partial class AccountGrain
{
    public async Task<AccountSnapshot> SetTimeZone(SetAccountTimeZone request)
    {
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (request.TimeZone is not null && TimeZones.Find(request.TimeZone) is null)
            throw new TollgateException(AccountErrors.InvalidTimeZone, $"'{request.TimeZone}' is not an IANA time zone such as Europe/Berlin (or null for UTC).");
        var zone = request.TimeZone == TimeZones.Utc ? null : request.TimeZone;
        await Row.ReadyAsync();
        Existing();
        if (_settings.TimeZone == zone) return Snapshot([], null);
        // The budgets that follow the account's zone now have other periods: each is counted again in its new one.
        return await Recounts.RunAsync(Row.ReadyAsync, async () =>
        {
            var now = Time.GetUtcNow();
            var newZone = TimeZones.Find(zone ?? TimeZones.Utc)!;
            var following = Budgets.All.Where(budget => budget.Definition.TimeZone is null).Select(budget => budget.Definition).ToList();
            var counted = new List<Budget>(following.Count);
            if (following.Count > 0) await Row.AllCommittedAsync();
            foreach (var definition in following) counted.Add(await CountedAsync(definition, newZone, now));
            return await Answer(() =>
            {
                var book = Existing();
                _settings = _settings with { TimeZone = zone };
                foreach (var budget in counted)
                {
                    if (Budgets.Find(budget.Definition.KeyId, budget.Definition.Name)?.Definition == budget.Definition) Budgets.Put(budget, book.Reservations); // not deleted meanwhile
                }
                Row.Write(version => AccountStore.UpdateBudgets(AccountId, book.Balance, _settings, version, Budgets), onlyTakesAway: false);
                return Snapshot([], null);
            });
        });
    }

    public async Task<BudgetState> SetBudget(SetBudget request)
    {
        var period = ValidBudget(request);
        await Row.ReadyAsync();
        Existing();
        return await Recounts.RunAsync(Row.ReadyAsync, async () =>
        {
            var now = Time.GetUtcNow();
            var existing = Budgets.Find(request.KeyId, request.Name);
            if (existing is null) MakeRoomFor(request.KeyId);
            var definition = new BudgetDefinition(request.KeyId, request.Name, period.ToString(), request.CapNanoUsd, request.CapTokens, request.TimeZone,
                existing?.Definition.Period == period.ToString() ? existing.Definition.Anchor : WholeSecond(now), now, request.Actor, request.AlertPercents);
            Budget budget;
            if (existing is not null && definition.CountsAs(existing.Definition))
            {
                budget = new Budget(definition, existing.Zone, existing.Window, existing.Settled); // only a cap changed: the count holds
            }
            else
            {
                await Row.AllCommittedAsync(); // every settle so far is in the usage table
                budget = await CountedAsync(definition, AccountZone, now);
            }
            return await Answer(() =>
            {
                var book = Existing();
                if (Budgets.Find(request.KeyId, request.Name) is null) MakeRoomFor(request.KeyId);
                Budgets.Put(budget, book.Reservations);
                Row.Write(version => AccountStore.UpdateBudgets(AccountId, book.Balance, _settings, version, Budgets), onlyTakesAway: false);
                return budget.State(AccountId);
            });
        });
    }

    public Task<bool> DeleteBudget(DeleteBudget request)
    {
        if (request.KeyId is not null) Validate.Key(request.KeyId, nameof(request.KeyId));
        if (!BudgetLimits.IsName(request.Name)) throw new TollgateException(BudgetErrors.InvalidBudget, BudgetLimits.NameRule);
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        return Answer(() =>
        {
            var book = Existing();
            if (!Budgets.Remove(request.KeyId, request.Name)) return false;
            Row.Write(version => AccountStore.UpdateBudgets(AccountId, book.Balance, _settings, version, Budgets), onlyTakesAway: false);
            return true;
        });
    }

    public async Task<IReadOnlyList<BudgetState>> GetBudgets(GetBudgets request)
    {
        if (request.KeyId is not null) Validate.Key(request.KeyId, nameof(request.KeyId));
        await Row.ReadyAsync();
        Existing();
        return _budgets?.StatesOf(request.KeyId, Time.GetUtcNow()) ?? [];
    }

    /// <summary>The account's budgets, made with the first one (most accounts have none) and watching its holds from then on.</summary>
    private BudgetBook Budgets
    {
        get
        {
            if (_budgets is null)
            {
                _budgets = new BudgetBook(AccountId);
                Existing().Watch(_budgets);
            }
            return _budgets;
        }
    }

    private RecountGate Recounts => _recounts ??= new();

    private TimeZoneInfo AccountZone => TimeZones.Find(_settings.TimeZone ?? TimeZones.Utc)!;

    private static BudgetPeriod ValidBudget(SetBudget request)
    {
        if (request.KeyId is not null) Validate.Key(request.KeyId, nameof(request.KeyId));
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        if (request.Problem() is { } problem) throw new TollgateException(problem.Code, problem.Message);
        return BudgetPeriod.Parse(request.Period)!;
    }

    /// <summary>A rolling budget's periods start at whole seconds from its anchor, so the unix milliseconds its stored spend is keyed by name one exactly.</summary>
    private static DateTimeOffset WholeSecond(DateTimeOffset instant) => DateTimeOffset.FromUnixTimeSeconds(instant.ToUnixTimeSeconds());

    private void MakeRoomFor(string? keyId)
    {
        if (Budgets.CountOf(keyId) >= BudgetLimits.MaxPerOwner)
            throw new TollgateException(BudgetErrors.TooManyBudgets, $"An account or a key has at most {BudgetLimits.MaxPerOwner} budgets; delete one first.");
        if (Budgets.Count >= BudgetLimits.MaxPerAccount)
            throw new TollgateException(BudgetErrors.TooManyBudgets, $"An account and its keys have at most {BudgetLimits.MaxPerAccount} budgets together.");
    }

    /// <summary>A budget in its current period, with what that period's settled requests cost (from the usage table).</summary>
    private async Task<Budget> CountedAsync(BudgetDefinition definition, TimeZoneInfo accountZone, DateTimeOffset now)
    {
        var zone = BudgetBook.ZoneOf(definition, accountZone);
        var window = Budget.WindowOf(definition, zone, now);
        var spent = await Row.ReadAsync(db => AccountStore.SpentAsync(db, AccountId, definition.KeyId, window.Start, window.End));
        return new Budget(definition, zone, window, spent);
    }
}
