using System.Text.Json.Nodes;
using Tollgate.Grains.Budgets;
using Tollgate.Grains.Grants;
using Tollgate.Persistence;

namespace Tollgate.Grains.Alerts;

/// <summary>
/// The alerts an account emits, each with an id made of what it is about, so emitting it again (a retried write, a new
/// activation) adds nothing: a budget's percentage in one period, a balance threshold crossed by one ledger entry, a grant
/// about to expire. They are written with the change that caused them (<see cref="AlertOutbox.Alert"/>).
/// </summary>
internal static class AccountAlerts
{
    public static AlertEvent BudgetCrossed(string accountId, BudgetCrossing crossing)
    {
        var budget = crossing.Budget;
        return new AlertEvent(
            AlertEvent.IdOf(AlertTypes.BudgetThreshold, accountId, budget.Owner, budget.OwnerId, budget.Name, crossing.Settled.Start.ToString(), crossing.Percent.ToString()),
            AlertTypes.BudgetThreshold, accountId, budget.Owner == BudgetOwners.Key ? AlertOwnerKinds.Key : AlertOwnerKinds.Account, budget.OwnerId,
            new JsonObject
            {
                ["budget"] = budget.Name,
                ["threshold_percent"] = crossing.Percent,
                ["period"] = budget.Period,
                ["time_zone"] = budget.TimeZone,
                ["period_start"] = budget.PeriodStart.ToString("O"),
                ["resets_at"] = budget.ResetsAt.ToString("O"),
                ["cap_nano_usd"] = budget.CapNanoUsd,
                ["cap_tokens"] = budget.CapTokens,
                ["settled_nano_usd"] = crossing.Settled.NanoUsd,
                ["settled_tokens"] = crossing.Settled.Tokens,
            });
    }

    /// <summary>
    /// The balance thresholds a ledger entry (<paramref name="causeKind"/>, <paramref name="causeKey"/>) took the balance across;
    /// null when none, as for nearly every settle, which then allocates nothing for alerts.
    /// </summary>
    public static List<AlertEvent>? BalanceCrossed(string accountId, AlertSettings settings, long before, long after, string causeKind, string causeKey)
    {
        List<AlertEvent>? crossed = null;
        if (settings.LowBalanceBelowNanoUsd is { } low && before >= low && after < low)
            (crossed ??= []).Add(Balance(AlertTypes.BalanceLow, accountId, after, causeKind, causeKey, new JsonObject { ["threshold_nano_usd"] = low }));
        if (settings.Depleted && before > 0 && after <= 0)
            (crossed ??= []).Add(Balance(AlertTypes.BalanceDepleted, accountId, after, causeKind, causeKey, []));
        return crossed;
    }

    public static AlertEvent GrantExpiring(string accountId, Grant grant, int days) => new(
        AlertEvent.IdOf(AlertTypes.GrantExpiring, accountId, grant.GrantId, grant.ExpiresAt!.Value.ToUnixTimeSeconds().ToString()),
        AlertTypes.GrantExpiring, accountId, AlertOwnerKinds.Account, accountId,
        new JsonObject
        {
            ["grant_id"] = grant.GrantId,
            ["kind"] = grant.Kind,
            ["remaining_nano_usd"] = grant.Remaining,
            ["expires_at"] = grant.ExpiresAt.Value.ToString("O"),
            ["within_days"] = days,
        });

    /// <summary>Appends each alert to the write (after its guarded statement).</summary>
    public static GrainWrite Alerts(this GrainWrite write, IEnumerable<AlertEvent>? alerts)
    {
        foreach (var alert in alerts ?? []) write.Alert(alert);
        return write;
    }

    private static AlertEvent Balance(string type, string accountId, long balance, string causeKind, string causeKey, JsonObject data)
    {
        data["balance_nano_usd"] = balance;
        data["cause"] = new JsonObject { ["kind"] = causeKind, ["key"] = causeKey };
        return new AlertEvent(AlertEvent.IdOf(type, accountId, causeKind, causeKey), type, accountId, AlertOwnerKinds.Account, accountId, data);
    }
}
