namespace Tollgate.Grains.Alerts;

/// <summary>
/// An account's balance alerts: <see cref="LowBalanceBelowNanoUsd"/> (nano-USD; null: none) when a change takes the balance below it,
/// <see cref="Depleted"/> when one takes it to zero or less, and a grant with something left <see cref="GrantExpiringDays"/>
/// days or less before it expires (null: none). Budgets carry their own percentages (see <c>SetBudget.AlertPercents</c>).
/// </summary>
[GenerateSerializer]
public sealed record AlertSettings([property: Id(0)] long? LowBalanceBelowNanoUsd, [property: Id(1)] bool Depleted, [property: Id(2)] int? GrantExpiringDays)
{
    public const int MaxGrantExpiringDays = 366;

    public static readonly AlertSettings Default = new(null, true, 7);

    /// <summary>Null when the settings are valid, otherwise what is wrong with them.</summary>
    public string? Problem() =>
        LowBalanceBelowNanoUsd is < 1 or > Credits.MaxBalance ? $"low_balance_below_nano_usd is 1 to {Credits.MaxBalance} nano-USD, or null for none."
        : GrantExpiringDays is < 1 or > MaxGrantExpiringDays ? $"grant_expiring_days is 1 to {MaxGrantExpiringDays}, or null for none."
        : null;
}

/// <summary>Replaces an account's balance alerts.</summary>
[GenerateSerializer, Immutable]
public sealed record SetAlerts([property: Id(0)] AlertSettings Alerts, [property: Id(1)] string Actor);

/// <summary>The types of the alerts grains emit, as webhooks deliver them.</summary>
public static class AlertTypes
{
    public const string BudgetThreshold = "budget.threshold_crossed";
    public const string BalanceLow = "balance.low";
    public const string BalanceDepleted = "balance.depleted";
    public const string GrantExpiring = "grant.expiring";
}

public static class AlertErrors
{
    public const string InvalidAlerts = "invalid_alerts";
}
