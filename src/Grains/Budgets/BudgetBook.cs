using Tollgate.Grains.Accounts;
using Tollgate.Grains.Limits;

namespace Tollgate.Grains.Budgets;

/// <summary>What a settle did to the budgets: the stored spend that changed, and the alert percentages reached.</summary>
internal readonly record struct BudgetCharge(Dictionary<string, StoredSpend>? Changed, List<BudgetCrossing>? Crossings);

/// <summary>A budget's settled spend reached <see cref="Percent"/> of its cap in the period <see cref="Settled"/> names.</summary>
internal sealed record BudgetCrossing(BudgetState Budget, StoredSpend Settled, int Percent);

/// <summary>
/// Every budget of one account: its own and its keys'. A request counts against the account's budgets and its key's;
/// the hold of its worst-case cost counts from the authorize (the credit book reports holds as they come and go), and
/// its settlement replaces the hold with what it cost. Pure arithmetic: the grain persists what changes.
/// </summary>
internal sealed class BudgetBook(string accountId) : IHoldWatcher
{
    private List<Budget>? _account; // allocated with the account's first budget: most accounts have none
    private Dictionary<string, List<Budget>>? _keys; // allocated with the first key budget

    public int Count { get; private set; }

    public static BudgetBook Load(string accountId, IEnumerable<BudgetDefinition> definitions, IReadOnlyDictionary<string, StoredSpend> spend,
        TimeZoneInfo accountZone, DateTimeOffset now)
    {
        var book = new BudgetBook(accountId);
        foreach (var definition in definitions)
        {
            var zone = ZoneOf(definition, accountZone);
            var budget = spend.TryGetValue(definition.SpendKey, out var stored)
                ? new Budget(definition, zone, Budget.WindowOf(definition, zone, DateTimeOffset.FromUnixTimeMilliseconds(stored.Start)), new Spend(stored.NanoUsd, stored.Tokens))
                : new Budget(definition, zone, Budget.WindowOf(definition, zone, now), default);
            budget.Roll(now);
            book.Put(budget, []); // the credit book reports the holds as it restores them
        }
        return book;
    }

    /// <summary>The zone a budget's calendar follows: its own, else the account's.</summary>
    public static TimeZoneInfo ZoneOf(BudgetDefinition definition, TimeZoneInfo accountZone) =>
        definition.TimeZone is null ? accountZone : TimeZones.Find(definition.TimeZone) ?? throw new InvalidOperationException($"Stored time zone '{definition.TimeZone}' is unknown here.");

    public IEnumerable<Budget> All => _keys is null ? Account : Account.Concat(_keys.Values.SelectMany(budgets => budgets));

    public Budget? Find(string? keyId, string name) => Owned(keyId)?.Find(budget => budget.Definition.Name == name);

    public int CountOf(string? keyId) => Owned(keyId)?.Count ?? 0;

    /// <summary>Adds a budget, or replaces the one of the same owner and name; it counts the open <paramref name="holds"/> that are its owner's.</summary>
    public void Put(Budget budget, IEnumerable<Reservation> holds)
    {
        foreach (var hold in holds)
        {
            if (budget.Definition.KeyId is null || budget.Definition.KeyId == hold.KeyId) budget.Hold(SpendOf(hold), DateTimeOffset.FromUnixTimeMilliseconds(hold.AuthorizedAt));
        }
        var owned = Owned(budget.Definition.KeyId);
        if (owned is null)
        {
            owned = [];
            if (budget.Definition.KeyId is { } keyId) (_keys ??= new(StringComparer.Ordinal)).Add(keyId, owned);
            else _account = owned;
        }
        var index = owned.FindIndex(other => other.Definition.Name == budget.Definition.Name);
        if (index >= 0) owned[index] = budget;
        else
        {
            owned.Add(budget);
            Count++;
        }
    }

    public bool Remove(string? keyId, string name)
    {
        var owned = Owned(keyId);
        if (owned is null || owned.RemoveAll(budget => budget.Definition.Name == name) == 0) return false;
        if (owned.Count == 0 && keyId is not null) _keys!.Remove(keyId);
        Count--;
        return true;
    }

    /// <summary>The first budget that a request of <paramref name="request"/> more would overrun, as a denial; null when all fit.</summary>
    public Denial? Refusal(string? keyId, Spend request, DateTimeOffset now)
    {
        if (Count == 0) return null; // most accounts: the authorize pays nothing for budgets
        foreach (var budget in Applying(keyId))
        {
            budget.Roll(now);
            if (!budget.Fits(request)) return Exceeded(budget.State(accountId), request, now);
        }
        return null;
    }

    /// <summary>The budgets a request with <paramref name="keyId"/> counts against (the account's, then the key's), as they stand.</summary>
    public IReadOnlyList<BudgetState> StatesFor(string? keyId, DateTimeOffset now) => States(Applying(keyId), now);

    /// <summary>The budgets of one owner: the account (<paramref name="keyId"/> null) or one key.</summary>
    public IReadOnlyList<BudgetState> StatesOf(string? keyId, DateTimeOffset now) => States(Owned(keyId) ?? [], now);

    /// <summary>
    /// Counts a settled request's cost in its authorize's period; answers the stored spend that changed (null: none) and
    /// the alert percentages the settled spend reached with it.
    /// </summary>
    public BudgetCharge Charge(string? keyId, Spend cost, DateTimeOffset authorizedAt, DateTimeOffset now)
    {
        Dictionary<string, StoredSpend>? changed = null;
        List<BudgetCrossing>? crossings = null;
        if (Count == 0) return default;
        foreach (var budget in Applying(keyId))
        {
            budget.Roll(now);
            var before = budget.Settled;
            if (!budget.Charge(cost, authorizedAt)) continue;
            (changed ??= new(StringComparer.Ordinal))[budget.Definition.SpendKey] = budget.Stored;
            foreach (var percent in budget.Crossed(before)) (crossings ??= []).Add(new BudgetCrossing(budget.State(accountId), budget.Stored, percent));
        }
        return new BudgetCharge(changed, crossings);
    }

    public void Held(Reservation hold)
    {
        if (Count == 0) return;
        foreach (var budget in Applying(hold.KeyId)) budget.Hold(SpendOf(hold), DateTimeOffset.FromUnixTimeMilliseconds(hold.AuthorizedAt));
    }

    public void Released(Reservation hold)
    {
        if (Count == 0) return;
        foreach (var budget in Applying(hold.KeyId)) budget.Release(SpendOf(hold), DateTimeOffset.FromUnixTimeMilliseconds(hold.AuthorizedAt));
    }

    public List<BudgetDefinition> Definitions => [.. All.Select(budget => budget.Definition)];

    public Dictionary<string, StoredSpend> Spend => All.ToDictionary(budget => budget.Definition.SpendKey, budget => budget.Stored, StringComparer.Ordinal);

    private static Spend SpendOf(Reservation hold) => new(hold.Amount, hold.Tokens);

    private List<Budget>? Owned(string? keyId) => keyId is null ? _account : _keys?.GetValueOrDefault(keyId);

    private IEnumerable<Budget> Account => _account ?? [];

    private IEnumerable<Budget> Applying(string? keyId) =>
        keyId is not null && _keys is not null && _keys.TryGetValue(keyId, out var keyBudgets) ? Account.Concat(keyBudgets) : Account;

    private List<BudgetState> States(IEnumerable<Budget> budgets, DateTimeOffset now) =>
        [.. budgets.Select(budget =>
        {
            budget.Roll(now);
            return budget.State(accountId);
        })];

    /// <summary>Names the budget, as OpenRouter names its limit's source: whose, which period, what is spent and when it resets.</summary>
    private static Denial Exceeded(BudgetState budget, Spend request, DateTimeOffset now)
    {
        var whose = budget.Owner == BudgetOwners.Key ? $"key '{budget.OwnerId}'" : $"account '{budget.OwnerId}'";
        var money = budget.CapNanoUsd is { } cap && budget.SpentNanoUsd + request.NanoUsd > cap;
        var used = money
            ? $"{Credits.ToUsd(budget.SpentNanoUsd)} of {Credits.ToUsd(budget.CapNanoUsd!.Value)} USD are spent or held, and this request may cost up to {Credits.ToUsd(request.NanoUsd)} USD"
            : $"{budget.SpentTokens} of {budget.CapTokens} tokens are used or held, and this request may use up to {request.Tokens}";
        return new Denial(Denials.BudgetExceeded,
            $"The {budget.Period} budget '{budget.Name}' of {whose} is exceeded: {used}. It resets at {budget.ResetsAt:yyyy-MM-dd'T'HH:mm:sszzz} ({budget.TimeZone}).",
            budget.Source, Math.Max(0, (long)(budget.ResetsAt - now).TotalMilliseconds));
    }
}
