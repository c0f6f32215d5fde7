using System.Globalization;
using Tollgate.Gateway.Api;
using Tollgate.Gateway.Operator.Html;

namespace Tollgate.Gateway.Operator.Forms;

/// <summary>
/// What operators type into the console's forms, read exactly (USD as decimal, never a double) or refused with the
/// stable code of the form it belongs to, before anything is sent to a grain. An empty field is "not set".
/// </summary>
public static class FormFields
{
    /// <summary>Dollars as whole nano-USD (up to <paramref name="max"/>), or null when left empty.</summary>
    public static long? Usd(string? text, long max, string code, string field)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return Money.TryParse(text, max, out var nanos) ? nanos
            : throw ApiException.BadRequest(code, $"{field} is dollars, such as 5, 2.50 or 0.000001 (at most nine decimals).");
    }

    /// <summary>A whole number, or null when left empty.</summary>
    public static long? Integer(string? text, string code, string field)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return long.TryParse(text.Trim().Replace(",", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value
            : throw ApiException.BadRequest(code, $"{field} is a whole number, such as 20000.");
    }

    /// <summary>
    /// A UTC time as a <c>datetime-local</c> input sends it (<c>2026-12-31T00:00</c>), or RFC 3339 with its own offset; null when left empty.
    /// </summary>
    public static DateTimeOffset? Utc(string? text, string code, string field)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (DateTime.TryParseExact(text, ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"], CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var utc))
            return new DateTimeOffset(utc, TimeSpan.Zero);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) && text.Contains('T', StringComparison.Ordinal) ? at
            : throw ApiException.BadRequest(code, $"{field} is a UTC date and time, such as 2026-12-31T00:00.");
    }

    /// <summary>Whole numbers separated by commas or spaces ("80, 95, 100"); an empty field is an empty list.</summary>
    public static IReadOnlyList<int> Integers(string? text, string code, string field)
    {
        var parts = (text ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > 100) throw ApiException.BadRequest(code, $"{field} lists too many numbers.");
        var values = new List<int>(parts.Length);
        foreach (var part in parts)
        {
            if (!int.TryParse(part.TrimEnd('%'), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                throw ApiException.BadRequest(code, $"{field} are whole numbers separated by commas, such as 80, 95, 100.");
            values.Add(value);
        }
        return values;
    }

    /// <summary>Items one per line or separated by commas, trimmed, empty ones dropped.</summary>
    public static IReadOnlyList<string> List(string? text) =>
        (text ?? "").Split([',', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Text trimmed, or null when left empty.</summary>
    public static string? Text(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
