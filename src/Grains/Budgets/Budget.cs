namespace Tollgate.Grains.Budgets;

/// <summary>
/// A budget as an operator set it and as the account's row keeps it. <see cref="KeyId"/> null: the account's own.
/// <see cref="TimeZone"/> null: the account's zone. <see cref="Anchor"/>: where rolling periods count from (when it was first set).
/// </summary>
internal sealed record BudgetDefinition(
    string? KeyId, string Name, string Period, long? CapNanoUsd, long? CapTokens, string? TimeZone, DateTimeOffset Anchor, DateTimeOffset SetAt, string SetBy,
    IReadOnlyList<int>? AlertPercents = null)
{
    /// <summary>The percentages of its cap it alerts at: its own, else 80, 95 and 100.</summary>
    public IReadOnlyList<int> Alerts => AlertPercents ?? BudgetLimits.DefaultAlertPercents;

    /// <summary>Its entry in the account's stored spend: <c>a/{name}</c> or <c>k/{key}/{name}</c>.</summary>
    public string SpendKey => KeyId is null ? $"a/{Name}" : $"k/{KeyId}/{Name}";

    public BudgetPeriod ParsedPeriod => BudgetPeriod.Parse(Period) ?? throw new InvalidOperationException($"Stored budget period '{Period}' is not one.");

    /// <summary>Whether its periods fall as <paramref name="other"/>'s do, so what was counted still holds.</summary>
    public bool CountsAs(BudgetDefinition other) => Period == other.Period && TimeZone == other.TimeZone && Anchor == other.Anchor;
}

/// <summary>Cost and tokens counted together.</summary>
internal readonly record struct Spend(long NanoUsd, long Tokens)
{
    public static Spend operator +(Spend a, Spend b) => new(a.NanoUsd + b.NanoUsd, a.Tokens + b.Tokens);

    public static Spend operator -(Spend a, Spend b) => new(a.NanoUsd - b.NanoUsd, a.Tokens - b.Tokens);
}

/// <summary>A period's settled spend as the account's row keeps it: <see cref="Start"/> in unix ms names the period.</summary>
internal sealed record StoredSpend(long Start, long NanoUsd, long Tokens);

/// <summary>
/// One budget in memory: what its current period settled and what open requests authorized in it hold. The period is
/// derived from the clock (<see cref="BudgetPeriod.WindowAt"/>): once the clock leaves it, the counts start again from
/// zero, so a reset needs no timer. A hold counts in the period it was authorized in, and so does its settlement.
/// </summary>
internal sealed class Budget(BudgetDefinition definition, TimeZoneInfo zone, PeriodWindow window, Spend settled)
{
    private readonly BudgetPeriod _period = definition.ParsedPeriod;

    public BudgetDefinition Definition { get; } = definition;
    public TimeZoneInfo Zone { get; } = zone;
    public PeriodWindow Window { get; private set; } = window;
    public Spend Settled { get; private set; } = settled;
    public Spend Held { get; private set; }

    public static PeriodWindow WindowOf(BudgetDefinition definition, TimeZoneInfo zone, DateTimeOffset now) =>
        definition.ParsedPeriod.WindowAt(now, zone, definition.Anchor);

    /// <summary>Moves to the period holding <paramref name="now"/>, counting from zero if that is a new one.</summary>
    public void Roll(DateTimeOffset now)
    {
        if (Window.Contains(now)) return;
        Window = _period.WindowAt(now, Zone, Definition.Anchor);
        (Settled, Held) = (default, default);
    }

    /// <summary>Whether <paramref name="request"/> more fits under both caps, counting what is settled and held.</summary>
    public bool Fits(Spend request)
    {
        var after = Settled + Held + request;
        return !(after.NanoUsd > Definition.CapNanoUsd) && !(after.Tokens > Definition.CapTokens);
    }

    public void Hold(Spend amount, DateTimeOffset authorizedAt)
    {
        if (Window.Contains(authorizedAt)) Held += amount;
    }

    public void Release(Spend amount, DateTimeOffset authorizedAt)
    {
        if (!Window.Contains(authorizedAt)) return; // held in an earlier period: that count is gone
        Held -= amount;
        Assert(Held.NanoUsd >= 0 && Held.Tokens >= 0, "a budget never holds less than nothing");
    }

    /// <summary>Counts a settled request in the period it was authorized in; false when that period is over (nothing changes).</summary>
    public bool Charge(Spend cost, DateTimeOffset authorizedAt)
    {
        if (!Window.Contains(authorizedAt)) return false;
        Settled += cost;
        return true;
    }

    /// <summary>The alert percentages its settled spend reached with the last charge, from <paramref name="before"/>: each once a period.</summary>
    public IEnumerable<int> Crossed(Spend before) => Definition.Alerts.Where(percent => !Reached(before, percent) && Reached(Settled, percent));

    private bool Reached(Spend spend, int percent) =>
        Definition.CapNanoUsd is { } money && (Int128)spend.NanoUsd * 100 >= (Int128)money * percent
        || Definition.CapTokens is { } tokens && (Int128)spend.Tokens * 100 >= (Int128)tokens * percent;

    public StoredSpend Stored => new(Window.Start.ToUnixTimeMilliseconds(), Settled.NanoUsd, Settled.Tokens);

    public BudgetState State(string accountId)
    {
        var spent = Settled + Held;
        return new BudgetState(Definition.KeyId is null ? BudgetOwners.Account : BudgetOwners.Key, Definition.KeyId ?? accountId, Definition.Name,
            Definition.Period, Zone.Id, Definition.CapNanoUsd, Definition.CapTokens, spent.NanoUsd, spent.Tokens, Held.NanoUsd, Held.Tokens,
            TimeZoneInfo.ConvertTime(Window.Start, Zone), TimeZoneInfo.ConvertTime(Window.End, Zone), Definition.SetAt, Definition.SetBy, Definition.Alerts);
    }

    private static void Assert(bool invariant, string what)
    {
        if (!invariant) throw new InvalidOperationException($"Budget invariant violated: {what}.");
    }
}
