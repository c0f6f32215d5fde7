using System.Text.RegularExpressions;
using Tollgate.Grains.Keys;

namespace Tollgate.Gateway.Api;

/// <summary>
/// The ids callers name grains by, checked at the edge before any grain is asked: account ids, key ids and model
/// names. Each checker returns the id or throws a 400 with the id's stable code.
/// </summary>
internal static partial class Ids
{
    public static bool IsAccount(string? id) => id is not null && AccountPattern().IsMatch(id);

    public static string Account(string id) =>
        IsAccount(id) ? id : throw ApiException.BadRequest("invalid_account_id", "An account id is 1 to 128 characters of letters, digits and . _ : @ -");

    public static string Key(string id) =>
        ApiKeyFormat.IsKeyId(id) ? id : throw ApiException.BadRequest("invalid_key_id", "A key id is 16 lowercase hex digits.");

    /// <summary>Model names as gateways send them (e.g. <c>gpt-4o-mini</c>, <c>openai/gpt-4o</c>).</summary>
    public static bool IsModel(string? name) => name is not null && Grains.Models.ModelNames.IsValid(name);

    /// <summary>A model name from a path or a body; in a path a '/' may arrive as %2F.</summary>
    public static string Model(string model)
    {
        var name = Uri.UnescapeDataString(model);
        return IsModel(name) ? name : throw ApiException.BadRequest("invalid_model", "A model name is 1 to 200 characters of letters, digits and . _ : / @ + -");
    }

    /// <summary>A webhook endpoint's id: <c>we_</c> and 24 lowercase hex digits (made by <c>POST /admin/webhooks</c>).</summary>
    public static string Webhook(string id) =>
        WebhookPattern().IsMatch(id) ? id : throw ApiException.BadRequest("invalid_webhook_id", "A webhook endpoint id is we_ and 24 lowercase hex digits.");

    [GeneratedRegex("^we_[0-9a-f]{24}\\z")]
    private static partial Regex WebhookPattern();

    [GeneratedRegex("^[A-Za-z0-9._:@-]{1,128}\\z")]
    private static partial Regex AccountPattern();
}
