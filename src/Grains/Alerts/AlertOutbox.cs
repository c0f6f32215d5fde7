using Npgsql;
using NpgsqlTypes;
using Tollgate.Persistence;

namespace Tollgate.Grains.Alerts;

/// <summary>
/// How a grain emits an alert: in the same <see cref="GrainWrite"/> (one transaction) as the change that caused it,
/// so an alert exists exactly when its cause was committed; a write refused by the version fence writes no alert.
/// <code>
/// var write = AccountStore.Update(accountId, balance, settings, version)
///     .Ledger(...)
///     .Alert(new AlertEvent(AlertEvent.IdOf("budget.threshold_crossed", "account", accountId, budgetId, periodStart, "80"),
///         "budget.threshold_crossed", accountId, AlertOwnerKinds.Account, accountId,
///         new JsonObject { ["budget_id"] = budgetId, ["threshold_percent"] = 80, ... }));
/// </code>
/// From the outbox on, every silo's webhook dispatcher delivers the event, at least once, to each enabled endpoint
/// whose account filter matches (the README's "Alerts and webhooks" has the wire format).
/// </summary>
public static class AlertOutbox
{
    /// <summary>
    /// Appends the event to the outbox. Not guarded: an event whose id is already there (the same crossing emitted
    /// again) inserts nothing and does not make the write conflict. Append it after the write's guarded statement
    /// (the version-fenced update), which every write begins with.
    /// </summary>
    /// <exception cref="ArgumentException">The event is malformed (an emitter's bug): nothing is written.</exception>
    public static GrainWrite Alert(this GrainWrite write, AlertEvent alert)
    {
        if (alert.Problem() is { } problem) throw new ArgumentException(problem, nameof(alert));
        return write.Then("""
            INSERT INTO alert_outbox (event_id, type, account_id, owner_kind, owner_id, payload)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (event_id) DO NOTHING
            """, alert.EventId, alert.Type, new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)alert.AccountId ?? DBNull.Value },
            alert.OwnerKind, alert.OwnerId,
            // Serialized now: the write may be sent again after a lost COMMIT, and must send the same event.
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = alert.Data.ToJsonString() });
    }
}
