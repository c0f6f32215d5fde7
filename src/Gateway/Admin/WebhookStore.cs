using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;
using Tollgate.Grains.Alerts;

namespace Tollgate.Gateway.Admin;

/// <summary>A webhook endpoint as the admin API shows it: never its secret.</summary>
/// <param name="AccountId">Only this account's events; null: every account's.</param>
public sealed record WebhookView(string EndpointId, string Url, string? AccountId, string? Description, bool Enabled, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>The only answer that ever holds an endpoint's secret: the creation's.</summary>
public sealed record CreatedWebhook(string EndpointId, string Url, string? AccountId, string? Description, bool Enabled, DateTimeOffset CreatedAt, string CreatedBy,
    string Secret);

public sealed record WebhookList(IReadOnlyList<WebhookView> Webhooks);

/// <summary>A test event written to the outbox for one endpoint; its deliveries show in the endpoint's log.</summary>
public sealed record WebhookTestEvent(string EventId, string EndpointId);

/// <summary>One event's delivery to one endpoint.</summary>
/// <param name="Status"><c>pending</c> (waiting for an attempt, or in one), <c>delivered</c> or <c>failed</c> (given up).</param>
/// <param name="LastError">Why the last attempt failed (<c>HTTP 500</c>, a timeout, a refused connection); null once delivered.</param>
/// <param name="NextAttemptAt">While pending: when the next attempt is due (or the current one's lease ends).</param>
public sealed record WebhookDelivery(long DeliveryId, string EventId, string Type, string Status, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt, DateTimeOffset CreatedAt);

/// <param name="NextBefore">Pass as <c>before</c> for the next (older) page; null on the last one.</param>
public sealed record WebhookDeliveryLog(string EndpointId, IReadOnlyList<WebhookDelivery> Deliveries, long? NextBefore);

/// <summary>
/// Webhook endpoints and their delivery log, in PostgreSQL: configuration and a log, not hot state, so the gateway
/// reads and writes them itself (the silos' dispatchers read the same tables).
/// </summary>
public sealed class WebhookStore(NpgsqlDataSource database)
{
    /// <summary>Endpoints in all: each event is delivered to every matching one, so their number bounds the work an event makes.</summary>
    public const int MaxEndpoints = 100;

    private const string Columns = "endpoint_id, url, account_id, description, enabled, created_at, created_by";

    /// <summary>Creates an endpoint with a new id and secret; null when <see cref="MaxEndpoints"/> exist already.</summary>
    public async Task<CreatedWebhook?> CreateAsync(string url, string? accountId, string? description, string actor)
    {
        var endpointId = "we_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var secret = "whsec_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        await using var insert = database.CreateCommand($"""
            INSERT INTO webhook_endpoints (endpoint_id, url, secret, account_id, description, created_by)
            SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT count(*) FROM webhook_endpoints) < $7
            RETURNING {Columns}
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = endpointId });
        insert.Parameters.Add(new NpgsqlParameter { Value = url });
        insert.Parameters.Add(new NpgsqlParameter { Value = secret });
        insert.Parameters.Add(Text(accountId));
        insert.Parameters.Add(Text(description));
        insert.Parameters.Add(new NpgsqlParameter { Value = actor });
        insert.Parameters.Add(new NpgsqlParameter { Value = (long)MaxEndpoints });
        await using var reader = await insert.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return null;
        var view = Read(reader);
        return new CreatedWebhook(view.EndpointId, view.Url, view.AccountId, view.Description, view.Enabled, view.CreatedAt, view.CreatedBy, secret);
    }

    /// <summary>Every endpoint, newest first (at most <see cref="MaxEndpoints"/>).</summary>
    public async Task<WebhookList> ListAsync()
    {
        await using var query = database.CreateCommand($"SELECT {Columns} FROM webhook_endpoints ORDER BY created_at DESC, endpoint_id LIMIT $1");
        query.Parameters.Add(new NpgsqlParameter { Value = MaxEndpoints * 2 }); // bounded even if racing creations passed the limit
        var endpoints = new List<WebhookView>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync()) endpoints.Add(Read(reader));
        return new WebhookList(endpoints);
    }

    public async Task<WebhookView?> FindAsync(string endpointId)
    {
        await using var query = database.CreateCommand($"SELECT {Columns} FROM webhook_endpoints WHERE endpoint_id = $1");
        query.Parameters.Add(new NpgsqlParameter { Value = endpointId });
        await using var reader = await query.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    }

    /// <summary>Deletes the endpoint and its delivery log; attempts under way end unrecorded. Whether it existed.</summary>
    public async Task<bool> DeleteAsync(string endpointId)
    {
        await using var delete = database.CreateCommand("DELETE FROM webhook_endpoints WHERE endpoint_id = $1");
        delete.Parameters.Add(new NpgsqlParameter { Value = endpointId });
        return await delete.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>
    /// Writes a <c>test</c> event to the outbox for this endpoint alone (the dispatchers deliver an endpoint-owned
    /// event to that endpoint only); null when the endpoint does not exist.
    /// </summary>
    public async Task<WebhookTestEvent?> TestAsync(string endpointId)
    {
        var eventId = "evt_test_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        await using var insert = database.CreateCommand("""
            INSERT INTO alert_outbox (event_id, type, account_id, owner_kind, owner_id, payload)
            SELECT $1, $2, account_id, $3, endpoint_id,
                jsonb_build_object('endpoint_id', endpoint_id, 'message', 'A test event from Tollgate: this endpoint receives its webhooks.')
            FROM webhook_endpoints WHERE endpoint_id = $4
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = eventId });
        insert.Parameters.Add(new NpgsqlParameter { Value = AlertEvents.TestType });
        insert.Parameters.Add(new NpgsqlParameter { Value = AlertOwnerKinds.Endpoint });
        insert.Parameters.Add(new NpgsqlParameter { Value = endpointId });
        return await insert.ExecuteNonQueryAsync() == 1 ? new WebhookTestEvent(eventId, endpointId) : null;
    }

    /// <summary>The endpoint's deliveries, newest first, older than <paramref name="before"/> when given.</summary>
    public async Task<WebhookDeliveryLog> DeliveriesAsync(string endpointId, int limit, long? before)
    {
        await using var query = database.CreateCommand("""
            SELECT d.delivery_id, d.event_id, o.type, d.status, d.attempts, d.last_status_code, d.last_error,
                CASE WHEN d.status = 'pending' THEN d.next_attempt_at END, d.delivered_at, d.created_at
            FROM webhook_deliveries d JOIN alert_outbox o ON o.event_id = d.event_id
            WHERE d.endpoint_id = $1 AND d.delivery_id < $2
            ORDER BY d.delivery_id DESC LIMIT $3
            """);
        query.Parameters.Add(new NpgsqlParameter { Value = endpointId });
        query.Parameters.Add(new NpgsqlParameter { Value = before ?? long.MaxValue });
        query.Parameters.Add(new NpgsqlParameter { Value = limit + 1 });
        var deliveries = new List<WebhookDelivery>(limit + 1);
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            deliveries.Add(new WebhookDelivery(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                reader.GetFieldValue<DateTimeOffset>(9)));
        }
        var more = deliveries.Count > limit;
        if (more) deliveries.RemoveAt(limit);
        return new WebhookDeliveryLog(endpointId, deliveries, more ? deliveries[^1].DeliveryId : null);
    }

    private static WebhookView Read(NpgsqlDataReader reader) => new(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetBoolean(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6));

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
