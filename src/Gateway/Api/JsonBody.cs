using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace Tollgate.Gateway.Api;

/// <summary>
/// A request's JSON object, read field by field so each mistake gets its own error code:
/// malformed JSON (invalid UTF-8 and lone surrogates included), unknown or missing fields, wrong types,
/// text with control characters, amounts that are not integers or out of range. The body is read up to
/// <see cref="MaxBytes"/> (or the endpoint's own bound) and no further, however it is sent (a chunked body has no
/// length to check first).
/// </summary>
public sealed class JsonBody : IDisposable
{
    public const int MaxBytes = 64 * 1024;
    private const int FirstBuffer = 64 * 1024;

    private readonly JsonDocument _document;
    private readonly byte[] _buffer; // rented; the document reads from it until disposed
    private string[] _read = ArrayPool<string>.Shared.Rent(16); // the fields the endpoint asked for, pooled (a few: scanning beats hashing)
    private int _readCount;
    private bool _disposed;

    private JsonBody(JsonDocument document, byte[] buffer) => (_document, _buffer) = (document, buffer);

    /// <summary>The whole object, for a body that is passed on (the proxy's).</summary>
    public JsonElement Root => _document.RootElement;

    public static async ValueTask<JsonBody> ReadAsync(HttpRequest request, int maxBytes = MaxBytes, int maxDepth = 16) =>
        await ReadOptionalAsync(request, maxBytes, maxDepth) ?? throw ApiException.BadRequest("malformed_json", "The request needs a JSON object body.");

    /// <summary>
    /// Binds a handler's body parameter (from its type's <c>BindAsync</c>): reads the body, lets <paramref name="read"/> take its
    /// fields, and refuses any other. So one type is both what the handler receives and what the OpenAPI document describes.
    /// </summary>
    public static async ValueTask<T?> BindAsync<T>(HttpContext context, Func<JsonBody, T> read) where T : class
    {
        using var body = await ReadAsync(context.Request);
        return body.ReadAll(read);
    }

    /// <summary>As <see cref="BindAsync"/> for a body the caller may leave out: then <paramref name="absent"/>. A broken one is still an error.</summary>
    public static async ValueTask<T?> BindOptionalAsync<T>(HttpContext context, Func<JsonBody, T> read, T absent) where T : class
    {
        using var body = await ReadOptionalAsync(context.Request);
        return body is null ? absent : body.ReadAll(read);
    }

    private T ReadAll<T>(Func<JsonBody, T> read)
    {
        var value = read(this);
        RejectUnknownFields();
        return value;
    }

    /// <summary>The body, or null when there is none (however it was sent: a chunked body has no length to look at).</summary>
    private static async ValueTask<JsonBody?> ReadOptionalAsync(HttpRequest request, int maxBytes = MaxBytes, int maxDepth = 16)
    {
        if (request.ContentLength > maxBytes) throw TooLarge(maxBytes);
        // The first buffer is sized from the announced length only up to FirstBuffer: it grows with the bytes that arrive, so
        // a caller announcing 32 MiB and sending little costs little.
        var (buffer, length) = await ReadBoundedAsync(request.Body, (int)Math.Min(request.ContentLength ?? 1024, Math.Min(maxBytes, FirstBuffer)), maxBytes, request.HttpContext.RequestAborted);
        try
        {
            if (length == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return null;
            }
            JsonDocument document;
            try
            {
                // A duplicate key is refused: the gateway and a provider could read different values of it (stream, max_tokens).
                document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = maxDepth, AllowDuplicateProperties = false });
            }
            catch (JsonException ex)
            {
                throw ApiException.BadRequest("malformed_json", $"The body is not valid JSON: {ex.Message}");
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
            {
                // Comparing keys for duplicates decodes them: a key holding a lone surrogate escape fails there.
                throw ApiException.BadRequest("malformed_json", "The body holds a key that is not valid Unicode (a lone surrogate escape such as \\ud800).");
            }
            if (document.RootElement.ValueKind != JsonValueKind.Object || !IsValidText(document.RootElement))
            {
                var isObject = document.RootElement.ValueKind == JsonValueKind.Object;
                document.Dispose();
                throw ApiException.BadRequest("malformed_json", isObject
                    ? "The body holds text that is not valid Unicode (invalid UTF-8, or a lone surrogate escape such as \\ud800)."
                    : "The body must be a JSON object.");
            }
            return new JsonBody(document, buffer);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }


    /// <summary>Reads the body into a rented buffer, growing it up to <paramref name="maxBytes"/>; one byte more is a 413, before the rest is read.</summary>
    private static async ValueTask<(byte[] Buffer, int Length)> ReadBoundedAsync(Stream body, int expected, int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Clamp(expected + 1, 256, maxBytes + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == Math.Min(buffer.Length, maxBytes + 1))
                {
                    if (length > maxBytes) throw TooLarge(maxBytes);
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxBytes + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, maxBytes + 1) - length), cancellationToken);
                if (read == 0) return (buffer, length);
                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static ApiException TooLarge(int maxBytes) => new(StatusCodes.Status413PayloadTooLarge, "body_too_large", $"The body is larger than {maxBytes} bytes.");

    /// <summary>
    /// Whether every string and property name is valid Unicode. The parser checks the JSON's structure but
    /// decodes strings only when they are read, and would then fail on invalid UTF-8 or a lone surrogate.
    /// </summary>
    private static bool IsValidText(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    var text = JsonMarshal.GetRawUtf8Value(element);
                    if (!HasEscapes(text)) return Utf8.IsValid(text);
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        var name = JsonMarshal.GetRawUtf8PropertyName(property);
                        if (HasEscapes(name)) _ = property.Name;
                        else if (!Utf8.IsValid(name)) return false;
                        if (!IsValidText(property.Value)) return false;
                    }
                    return true;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        if (!IsValidText(item)) return false;
                    }
                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Raw text without escapes is checked as UTF-8 bytes, making no string; text with escapes is decoded to check them.</summary>
    private static bool HasEscapes(ReadOnlySpan<byte> raw) => raw.Contains((byte)'\\');

    public string RequiredString(string name, int maxLength) =>
        OptionalString(name, maxLength) ?? throw ApiException.BadRequest("missing_field", $"'{name}' is required.");

    /// <summary>Text (a name, a reason, an id of the caller's): printable, so nothing downstream can choke on it (a NUL would fail a database write).</summary>
    public string? OptionalString(string name, int maxLength)
    {
        var text = OptionalIdentifier(name, maxLength);
        if (text is not null && text.Any(char.IsControl))
            throw ApiException.BadRequest("invalid_field", $"'{name}' must not contain control characters (such as NUL or a line break).");
        return text;
    }

    public string RequiredIdentifier(string name, int maxLength) =>
        OptionalIdentifier(name, maxLength) ?? throw ApiException.BadRequest("missing_field", $"'{name}' is required.");

    /// <summary>
    /// A string the caller then checks against the pattern of what it names (an account id, a model, an IP address,
    /// a key, a reservation id), which refuses control characters with its own code.
    /// </summary>
    public string? OptionalIdentifier(string name, int maxLength)
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

    /// <summary>A whole number from −<paramref name="max"/> to <paramref name="max"/>: the caller says what a negative one means.</summary>
    public long? OptionalSignedCount(string name, long max) => OptionalInteger(name, max, allowNegative: true, "");

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

    /// <summary>A list of strings, or null when the field is null or missing; the caller checks what the strings name.</summary>
    public IReadOnlyList<string>? OptionalStringList(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
            throw ApiException.BadRequest("invalid_field", $"'{name}' must be a list of strings, or null.");
        return [.. value.EnumerateArray().Select(item => item.GetString()!)];
    }

    /// <summary>A list of whole numbers, or null when the field is null or missing; the caller checks their range.</summary>
    public IReadOnlyList<int>? OptionalIntegerList(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 100 || value.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out _)))
            throw ApiException.BadRequest("invalid_field", $"'{name}' must be a list of whole numbers, or null.");
        return [.. value.EnumerateArray().Select(item => item.GetInt32())];
    }

    /// <summary>Whether the body has the field (null included): tells "null" from "not sent".</summary>
    public bool Has(string name) => TryGet(name, out _);

    /// <summary>An RFC 3339 timestamp with an offset, e.g. <c>2026-12-01T00:00:00Z</c>.</summary>
    public DateTimeOffset? OptionalTimestamp(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var instant)
            ? instant
            : throw ApiException.BadRequest("invalid_field", $"'{name}' must be an RFC 3339 timestamp such as 2026-12-01T00:00:00Z.");
    }

    /// <summary>Rejects fields the endpoint does not know, so a typo is not silently ignored.</summary>
    private void RejectUnknownFields()
    {
        foreach (var property in _document.RootElement.EnumerateObject())
        {
            if (!WasRead(property)) throw ApiException.BadRequest("unknown_field", $"Unknown field '{property.Name}'.");
        }
    }

    private bool WasRead(JsonProperty property)
    {
        foreach (var name in _read.AsSpan(0, _readCount))
        {
            if (property.NameEquals(name)) return true;
        }
        return false;
    }

    private bool TryGet(string name, out JsonElement value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this); // its names went back to the pool
        if (_readCount == _read.Length)
        {
            var larger = ArrayPool<string>.Shared.Rent(_read.Length * 2);
            _read.CopyTo(larger, 0);
            Return(_read);
            _read = larger;
        }
        _read[_readCount++] = name;
        return _document.RootElement.TryGetProperty(name, out value);
    }

    /// <summary>Returns the buffer to the pool; a second call does nothing (the proxy releases a body before its <c>using</c> ends).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _document.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
        Return(_read);
    }

    private void Return(string[] names)
    {
        Array.Clear(names, 0, _readCount);
        ArrayPool<string>.Shared.Return(names);
    }
}
