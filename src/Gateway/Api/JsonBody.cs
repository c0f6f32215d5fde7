using System.Text.Json;

namespace Tollgate.Gateway.Api;

/// <summary>
/// A request's JSON object, read field by field so each mistake gets its own error code:
/// malformed JSON, unknown or missing fields, wrong types, amounts that are not integers or out of range.
/// </summary>
public sealed class JsonBody : IDisposable
{
    public const int MaxBytes = 64 * 1024;

    private readonly JsonDocument _document;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private JsonBody(JsonDocument document) => _document = document;

    public static async Task<JsonBody> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBytes) throw new ApiException(StatusCodes.Status413PayloadTooLarge, "body_too_large", $"The body is larger than {MaxBytes} bytes.");
        JsonDocument document;
        try
        {
            using var limited = new MemoryStream();
            await request.Body.CopyToAsync(limited, request.HttpContext.RequestAborted);
            if (limited.Length > MaxBytes) throw new ApiException(StatusCodes.Status413PayloadTooLarge, "body_too_large", $"The body is larger than {MaxBytes} bytes.");
            if (limited.Length == 0) throw ApiException.BadRequest("malformed_json", "The request needs a JSON object body.");
            document = JsonDocument.Parse(limited.GetBuffer().AsMemory(0, (int)limited.Length), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest("malformed_json", $"The body is not valid JSON: {ex.Message}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw ApiException.BadRequest("malformed_json", "The body must be a JSON object.");
        }
        return new JsonBody(document);
    }

    public string RequiredString(string name, int maxLength) =>
        OptionalString(name, maxLength) ?? throw ApiException.BadRequest("missing_field", $"'{name}' is required.");

    public string? OptionalString(string name, int maxLength)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String) throw ApiException.BadRequest("invalid_field", $"'{name}' must be a string.");
        var text = value.GetString()!;
        if (text.Length == 0 || text.Length > maxLength) throw ApiException.BadRequest("invalid_field", $"'{name}' must be 1 to {maxLength} characters.");
        return text;
    }

    /// <summary>An amount in nano-USD: a JSON integer with |value| ≤ <paramref name="max"/>.</summary>
    public long? OptionalAmount(string name, long max, bool allowNegative) => OptionalInteger(name, max, allowNegative, "nano-USD");

    public long RequiredAmount(string name, long max, bool allowNegative) =>
        OptionalAmount(name, max, allowNegative) ?? throw ApiException.BadRequest("missing_field", $"'{name}' is required.");

    /// <summary>A count (tokens, requests, milliseconds): a JSON integer from 0 to <paramref name="max"/>.</summary>
    public long? OptionalCount(string name, long max) => OptionalInteger(name, max, allowNegative: false, "");

    public long RequiredCount(string name, long max) =>
        OptionalCount(name, max) ?? throw ApiException.BadRequest("missing_field", $"'{name}' is required.");

    private long? OptionalInteger(string name, long max, bool allowNegative, string unit)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        var what = unit.Length == 0 ? "a whole number" : $"an integer number of {unit}";
        var code = unit.Length == 0 ? "invalid_field" : "invalid_amount";
        var rangeCode = unit.Length == 0 ? "invalid_field" : "amount_out_of_range";
        if (value.ValueKind != JsonValueKind.Number) throw ApiException.BadRequest(code, $"'{name}' must be {what}.");
        if (!value.TryGetInt64(out var number))
        {
            var isInteger = value.TryGetDecimal(out var exact) ? decimal.Truncate(exact) == exact : !value.GetRawText().Contains('.');
            throw isInteger
                ? ApiException.BadRequest(rangeCode, $"'{name}' is out of range: at most {max}{(unit.Length == 0 ? "" : " " + unit)}.")
                : ApiException.BadRequest(code, $"'{name}' must be {what}, not a fraction.");
        }
        if (number < 0 && !allowNegative) throw ApiException.BadRequest(code, $"'{name}' must not be negative.");
        if (number > max || number < -max) throw ApiException.BadRequest(rangeCode, $"'{name}' is out of range: at most {max}{(unit.Length == 0 ? "" : " " + unit)}.");
        return number;
    }

    public bool? OptionalBoolean(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiException.BadRequest("invalid_field", $"'{name}' must be true or false."),
        };
    }

    /// <summary>An RFC 3339 timestamp with an offset, e.g. <c>2026-12-01T00:00:00Z</c>.</summary>
    public DateTimeOffset? OptionalTimestamp(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var instant)
            ? instant
            : throw ApiException.BadRequest("invalid_field", $"'{name}' must be an RFC 3339 timestamp such as 2026-12-01T00:00:00Z.");
    }

    /// <summary>Rejects fields the endpoint does not know, so a typo is not silently ignored.</summary>
    public void RejectUnknownFields()
    {
        foreach (var property in _document.RootElement.EnumerateObject())
        {
            if (!_read.Contains(property.Name)) throw ApiException.BadRequest("unknown_field", $"Unknown field '{property.Name}'.");
        }
    }

    private bool TryGet(string name, out JsonElement value)
    {
        _read.Add(name);
        return _document.RootElement.TryGetProperty(name, out value);
    }

    public void Dispose() => _document.Dispose();
}
