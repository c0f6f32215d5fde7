using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Globalization;
using System.Net;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Api;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Metering;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// The reservation id an authorize returns: opaque to callers, it names everything settle needs
/// (account, key, caller IP, model, request, the captured price and how the request was funded),
/// so any gateway can settle it without shared state, and a settle still charges the captured price
/// when the account's hold was lost in a crash. Gateways are trusted (service token); the token is
/// validated, not signed.
/// </summary>
internal sealed record ReservationToken(
    [property: JsonPropertyName("a")] string AccountId,
    [property: JsonPropertyName("k")] string? KeyId,
    [property: JsonPropertyName("i")] string IpKey,
    [property: JsonPropertyName("c")] string CallerIp,
    [property: JsonPropertyName("m")] string Model,
    [property: JsonPropertyName("r")] string RequestId,
    [property: JsonPropertyName("pi")] long InputPerMillion,
    [property: JsonPropertyName("po")] long OutputPerMillion,
    [property: JsonPropertyName("f")] string FundedBy,
    [property: JsonPropertyName("t")] long AuthorizedAtMs,
    [property: JsonPropertyName("h")] string Held,
    [property: JsonPropertyName("px"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PriceExtras? PriceExtras = null)
{
    private const string Prefix = "rsv1.";

    [JsonIgnore]
    public Price Price => new(InputPerMillion, OutputPerMillion, PriceExtras);

    public static ReservationToken Of(string accountId, string? keyId, string ipKey, string callerIp, string model, string requestId, Price price, string fundedBy,
        long authorizedAtMs, string held) =>
        new(accountId, keyId, ipKey, callerIp, model, requestId, price.InputPerMillion, price.OutputPerMillion, fundedBy, authorizedAtMs, held, price.Extras);

    /// <summary>Whether a grain holds a grant settle must release: 'i' the caller IP, 'k' the key, 'm' the model (see <see cref="HeldGrants.Flags"/>).</summary>
    public bool Holds(char scope) => Held.Contains(scope, StringComparison.Ordinal);

    /// <summary>The id as text: the JSON is written into this thread's buffer and encoded straight into the string (one allocation).</summary>
    public string Encode()
    {
        var json = t_json ??= new ArrayBufferWriter<byte>(1024);
        json.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(json);
        writer.Reset(json);
        JsonSerializer.Serialize(writer, this, TokenJson.Default.ReservationToken);
        return string.Create(Prefix.Length + Base64Url.GetEncodedLength(json.WrittenCount), json, static (chars, json) =>
        {
            Prefix.CopyTo(chars);
            Base64Url.EncodeToChars(json.WrittenSpan, chars[Prefix.Length..]);
        });
    }

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_json;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public static ReservationToken Decode(string text)
    {
        ReservationToken? token = null;
        if (text.StartsWith(Prefix, StringComparison.Ordinal) && text.Length <= 4096)
        {
            var json = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(text.Length - Prefix.Length));
            try
            {
                token = Base64Url.TryDecodeFromChars(text.AsSpan(Prefix.Length), json, out var length)
                    ? JsonSerializer.Deserialize(json.AsSpan(0, length), TokenJson.Default.ReservationToken)
                    : null;
            }
            catch (Exception ex) when (ex is FormatException or JsonException)
            {
                token = null;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(json);
            }
        }
        // Every field as authorize would have written it: a crafted id must not smuggle text into the grains or the database.
        return token is { IpKey: not null, CallerIp: not null, RequestId.Length: >= 1 and <= 200, FundedBy: Funding.Credit or Funding.Trial, Held: not null }
            && Ids.IsAccount(token.AccountId) && Ids.IsModel(token.Model) && (token.KeyId is null || ApiKeyFormat.IsKeyId(token.KeyId))
            && !token.RequestId.Any(char.IsControl) && IPAddress.TryParse(token.CallerIp, out _)
            && IsIpLimitKey(token.IpKey)
            && token.Held.All(scope => scope is 'i' or 'k' or 'm')
            && token.Price.Problem() is null
            && token.AuthorizedAtMs is > 0 and < 253_402_300_800_000 // year 10000
            ? token
            : throw ApiException.BadRequest("invalid_reservation", "'reservation_id' is not a reservation id returned by authorize.");
    }

    /// <summary>A caller IP's limit key as <see cref="CallerAddress"/> writes it: an IPv4 address, or an IPv6 prefix with its length.</summary>
    private static bool IsIpLimitKey(string key)
    {
        var slash = key.IndexOf('/');
        var prefix = 128;
        if (slash >= 0 && !int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix)) return false;
        return CallerAddress.TryGetLimitKey(slash >= 0 ? key[..slash] : key, prefix, out var canonical) && canonical == key;
    }
}

[JsonSerializable(typeof(ReservationToken))]
internal sealed partial class TokenJson : JsonSerializerContext;
