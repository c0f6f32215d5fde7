using Npgsql;
using NpgsqlTypes;

namespace Tollgate.Silo.Webhooks;

/// <summary>
/// A delivery a silo claimed: the event, where it goes, and which attempt this is. A class, not a record: a record's
/// ToString would print the secret wherever a delivery were logged.
/// </summary>
internal sealed class ClaimedDelivery
{
    public required long DeliveryId { get; init; }
    public required int Attempt { get; init; }
    public required string EventId { get; init; }
    public required string Type { get; init; }
    public required string? AccountId { get; init; }
    public required string OwnerKind { get; init; }
    public required string OwnerId { get; init; }
    public required string Payload { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required string EndpointId { get; init; }
    public required string Url { get; init; }
    public required string Secret { get; init; }
}

/// <summary>
/// The dispatcher's SQL. Silos share the work through the database alone: each statement takes rows no other silo
/// holds (<c>FOR UPDATE SKIP LOCKED</c>) and commits at once, so nothing stays locked while a receiver is called.
/// </summary>
internal sealed class DeliveryStore(NpgsqlDataSource database)
{
    /// <summary>
    /// Turns up to <paramref name="batch"/> new outbox events into one pending delivery per matching enabled endpoint
    /// (an endpoint's test event: that endpoint alone; any other: endpoints of its account and those of every account),
    /// and marks them fanned out, in one statement: each event is fanned out once. Returns how many events it took.
    /// </summary>
    public async Task<int> FanOutAsync(int batch, CancellationToken cancellationToken)
    {
        await using var fanOut = database.CreateCommand("""
            WITH batch AS (
                SELECT event_id, account_id, owner_kind, owner_id FROM alert_outbox
                WHERE NOT fanned_out ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED),
            fanned AS (
                INSERT INTO webhook_deliveries (event_id, endpoint_id)
                SELECT b.event_id, e.endpoint_id FROM batch b JOIN webhook_endpoints e ON e.enabled AND CASE
                    WHEN b.owner_kind = 'endpoint' THEN e.endpoint_id = b.owner_id
                    ELSE e.account_id IS NULL OR e.account_id = b.account_id END
                ON CONFLICT (event_id, endpoint_id) DO NOTHING)
            UPDATE alert_outbox o SET fanned_out = true FROM batch b WHERE o.event_id = b.event_id
            """);
        fanOut.Parameters.Add(new NpgsqlParameter { Value = batch });
        return await fanOut.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due deliveries for <paramref name="silo"/>: counts the attempt and leases
    /// the row until now + <paramref name="lease"/>, committed before any receiver is called. A silo that dies
    /// mid-attempt leaves the row to be claimed again by another once the lease ends.
    /// </summary>
    public async Task<List<ClaimedDelivery>> ClaimAsync(int limit, int maxAttempts, TimeSpan lease, string silo, CancellationToken cancellationToken)
    {
        await using var claim = database.CreateCommand("""
            WITH due AS (
                SELECT d.delivery_id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.endpoint_id = d.endpoint_id AND e.enabled
                WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND d.attempts < $2
                ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED)
            UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + $3, claimed_by = $4
            FROM due, alert_outbox o, webhook_endpoints e
            WHERE d.delivery_id = due.delivery_id AND o.event_id = d.event_id AND e.endpoint_id = d.endpoint_id
            RETURNING d.delivery_id, d.attempts, o.event_id, o.type, o.account_id, o.owner_kind, o.owner_id, o.payload::text, o.created_at,
                e.endpoint_id, e.url, e.secret
            """);
        claim.Parameters.Add(new NpgsqlParameter { Value = limit });
        claim.Parameters.Add(new NpgsqlParameter { Value = maxAttempts });
        claim.Parameters.Add(new NpgsqlParameter { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        claim.Parameters.Add(new NpgsqlParameter { Value = silo });
        var claimed = new List<ClaimedDelivery>(limit);
        await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(new ClaimedDelivery
            {
                DeliveryId = reader.GetInt64(0),
                Attempt = reader.GetInt32(1),
                EventId = reader.GetString(2),
                Type = reader.GetString(3),
                AccountId = reader.IsDBNull(4) ? null : reader.GetString(4),
                OwnerKind = reader.GetString(5),
                OwnerId = reader.GetString(6),
                Payload = reader.GetString(7),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(8),
                EndpointId = reader.GetString(9),
                Url = reader.GetString(10),
                Secret = reader.GetString(11),
            });
        }
        return claimed;
    }

    /// <summary>
    /// Fails the deliveries whose last attempt's silo died before it ended (the lease is over and no attempt is
    /// left to claim). Returns how many.
    /// </summary>
    public async Task<int> FailAbandonedLastAttemptsAsync(int maxAttempts, CancellationToken cancellationToken)
    {
        await using var fail = database.CreateCommand("""
            UPDATE webhook_deliveries SET status = 'failed', last_error = coalesce(last_error || '; ', '') || 'the last attempt was cut short (its silo stopped)'
            WHERE status = 'pending' AND attempts >= $1 AND next_attempt_at <= now()
            """);
        fail.Parameters.Add(new NpgsqlParameter { Value = maxAttempts });
        return await fail.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The receiver took it. Whatever attempt answered: a late answer to an attempt whose lease ended is still the
    /// event received, and a delivery that is no longer pending stays as it is.
    /// </summary>
    public Task<bool> DeliveredAsync(ClaimedDelivery delivery, int statusCode) => UpdateAsync("""
        UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_status_code = $2, last_error = NULL
        WHERE delivery_id = $1 AND status = 'pending'
        """, delivery.DeliveryId, statusCode);

    /// <summary>The attempt failed; the next is due after <paramref name="delay"/>. Only while the attempt is still the latest.</summary>
    public Task<bool> RetryAsync(ClaimedDelivery delivery, int? statusCode, string error, TimeSpan delay) => UpdateAsync("""
        UPDATE webhook_deliveries SET next_attempt_at = now() + $5, last_status_code = $3, last_error = $4
        WHERE delivery_id = $1 AND status = 'pending' AND attempts = $2
        """, delivery.DeliveryId, delivery.Attempt, Code(statusCode), error, new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Interval, Value = delay });

    /// <summary>The last attempt failed: the delivery is given up.</summary>
    public Task<bool> FailedAsync(ClaimedDelivery delivery, int? statusCode, string error) => UpdateAsync("""
        UPDATE webhook_deliveries SET status = 'failed', last_status_code = $3, last_error = $4
        WHERE delivery_id = $1 AND status = 'pending' AND attempts = $2
        """, delivery.DeliveryId, delivery.Attempt, Code(statusCode), error);

    /// <summary>
    /// This silo is stopping mid-attempt: the delivery is due again at once, and the cut attempt does not count
    /// against the endpoint (the receiver may still have got it: it deduplicates by the event id).
    /// </summary>
    public Task<bool> ReleaseAsync(ClaimedDelivery delivery) => UpdateAsync("""
        UPDATE webhook_deliveries SET next_attempt_at = now(), attempts = attempts - 1
        WHERE delivery_id = $1 AND status = 'pending' AND attempts = $2
        """, delivery.DeliveryId, delivery.Attempt);

    /// <summary>
    /// Deletes up to <paramref name="batch"/> events older than <paramref name="retention"/> that are fanned out and
    /// have no pending delivery, with their deliveries. Returns how many events.
    /// </summary>
    public async Task<int> DeleteExpiredAsync(TimeSpan retention, int batch, CancellationToken cancellationToken)
    {
        await using var delete = database.CreateCommand("""
            DELETE FROM alert_outbox WHERE event_id IN (
                SELECT o.event_id FROM alert_outbox o
                WHERE o.created_at < now() - $1 AND o.fanned_out
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = o.event_id AND d.status = 'pending')
                LIMIT $2)
            """);
        delete.Parameters.Add(new NpgsqlParameter { Value = retention, NpgsqlDbType = NpgsqlDbType.Interval });
        delete.Parameters.Add(new NpgsqlParameter { Value = batch });
        return await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deliveries not yet delivered or given up: waiting for their time, due, or being attempted.</summary>
    public async Task<long> PendingAsync(CancellationToken cancellationToken)
    {
        await using var count = database.CreateCommand("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'");
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    private static NpgsqlParameter Code(int? statusCode) => new() { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)statusCode ?? DBNull.Value };

    private async Task<bool> UpdateAsync(string sql, params object[] values)
    {
        await using var update = database.CreateCommand(sql);
        foreach (var value in values) update.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        // Written even while the silo stops: the attempt was made, and its outcome is known.
        return await update.ExecuteNonQueryAsync(CancellationToken.None) == 1;
    }
}
