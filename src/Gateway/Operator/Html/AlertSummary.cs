using System.Globalization;
using System.Text.Json;
using Tollgate.Grains.Alerts;

namespace Tollgate.Gateway.Operator.Html;

/// <summary>One line about an alert event's data, for the account page (the full event is what the webhooks receive).</summary>
public static class AlertSummary
{
    private const int MaxLength = 200;

    public static string Of(string type, string data)
    {
        try
        {
            using var json = JsonDocument.Parse(data);
            var d = json.RootElement;
            var text = type switch
            {
                AlertTypes.BudgetThreshold => $"budget {Text(d, "budget")} reached {Text(d, "threshold_percent")}% "
                    + $"({Usd(d, "settled_nano_usd")} of {Usd(d, "cap_nano_usd")}; {Text(d, "settled_tokens")} of {Text(d, "cap_tokens")} tokens), resets {Text(d, "resets_at")}",
                AlertTypes.BalanceLow => $"balance {Usd(d, "balance_nano_usd")} below {Usd(d, "threshold_nano_usd")}",
                AlertTypes.BalanceDepleted => $"balance {Usd(d, "balance_nano_usd")}",
                AlertTypes.GrantExpiring => $"grant {Text(d, "grant_id")}: {Usd(d, "remaining_nano_usd")} left, expires {Text(d, "expires_at")}",
                _ => Fields(d),
            };
            return Bounded(text);
        }
        catch (JsonException)
        {
            return Bounded(data);
        }
    }

    /// <summary>Any other event: its top-level fields, name=value.</summary>
    private static string Fields(JsonElement data) =>
        data.ValueKind != JsonValueKind.Object ? data.GetRawText()
        : string.Join(", ", data.EnumerateObject().Take(6).Select(p => $"{p.Name}={Value(p.Value)}"));

    private static string Text(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) ? Value(value) : "—";

    private static string Usd(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) && value.TryGetInt64(out var nanos) ? Money.Format(nanos) : "—";

    private static string Value(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null => "—",
        JsonValueKind.Number when value.TryGetInt64(out var n) => n.ToString("N0", CultureInfo.InvariantCulture),
        _ => value.GetRawText(),
    };

    private static string Bounded(string text) => text.Length <= MaxLength ? text : text[..MaxLength] + "…";
}
