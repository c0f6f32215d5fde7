using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tollgate.Silo.Webhooks;

/// <summary>
/// What a delivery sends: the JSON body (the same bytes on every attempt) and its signature, Stripe's scheme:
/// <c>Tollgate-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;.&lt;body&gt;")&gt;</c>, keyed with the
/// endpoint's whole secret (<c>whsec_…</c>) as UTF-8. The receiver recomputes it over the raw body it received.
/// </summary>
internal static class WebhookMessage
{
    public const string EventIdHeader = "Tollgate-Event-Id";
    public const string SignatureHeader = "Tollgate-Signature";

    /// <summary>
    /// <c>{"id", "type", "created_at", "account_id", "owner": {"kind", "id"}, "data"}</c>; <c>data</c> is the outbox
    /// payload as PostgreSQL keeps it (jsonb's own text, which is stable), so a retry sends the same bytes.
    /// </summary>
    public static byte[] Body(ClaimedDelivery delivery)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + delivery.Payload.Length);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", delivery.EventId);
            json.WriteString("type", delivery.Type);
            json.WriteString("created_at", delivery.CreatedAt.UtcDateTime); // a UTC DateTime is written with a Z
            if (delivery.AccountId is null) json.WriteNull("account_id");
            else json.WriteString("account_id", delivery.AccountId);
            json.WriteStartObject("owner");
            json.WriteString("kind", delivery.OwnerKind);
            json.WriteString("id", delivery.OwnerId);
            json.WriteEndObject();
            json.WritePropertyName("data");
            json.WriteRawValue(delivery.Payload, skipInputValidation: false);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The <c>Tollgate-Signature</c> header's value for a body sent at <paramref name="unixSeconds"/>.</summary>
    public static string Signature(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return $"t={unixSeconds.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(mac)}";
    }
}
