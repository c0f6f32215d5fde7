using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Tollgate.Grains.Alerts;

/// <summary>
/// An alert a grain emits (a budget threshold crossed, a low balance, an expiring grant), written to the outbox with
/// <see cref="AlertOutbox.Alert"/> and delivered by every matching webhook endpoint as the body's <c>data</c>.
/// </summary>
/// <param name="EventId">
/// Chosen by the emitter from what the event is about (see <see cref="IdOf"/>), never random: emitting the same crossing
/// again (a retried write, a new activation that detects it once more) then inserts nothing, and receivers, who
/// deduplicate by this id, see it once.
/// </param>
/// <param name="Type">What happened, e.g. <c>budget.threshold_crossed</c> (see <see cref="AlertEvents.IsValidType"/>).</param>
/// <param name="AccountId">
/// The account it concerns, a key's event its key's account: endpoints filtered by account receive only that account's
/// events. Null for none (then only endpoints of every account receive it).
/// </param>
/// <param name="OwnerKind">Who owns the balance or budget: <see cref="AlertOwnerKinds.Account"/> or <see cref="AlertOwnerKinds.Key"/>.</param>
/// <param name="OwnerId">The owner's id (an account id, a key id).</param>
/// <param name="Data">The event's details, delivered as they are (snake_case field names, by the API's convention).</param>
public sealed record AlertEvent(string EventId, string Type, string? AccountId, string OwnerKind, string OwnerId, JsonObject Data)
{
    /// <summary>
    /// A deterministic event id: <c>evt_</c> and 32 hex digits of a SHA-256 of the parts (e.g. the type, the owner, the
    /// budget, the period's start and the threshold). The same parts always give the same id; different ones, in
    /// practice never. Parts are length-prefixed, so ("ab", "c") and ("a", "bc") differ.
    /// </summary>
    public static string IdOf(params string[] parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts) text.Append(part.Length).Append(':').Append(part).Append('\n');
        return "evt_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())), 0, 16);
    }

    /// <summary>Why this event cannot be written (an emitter's bug), or null.</summary>
    internal string? Problem() =>
        !AlertEvents.IsValidId(EventId) ? $"The event id '{EventId}' must be 1 to {AlertEvents.MaxIdLength} characters of letters, digits and . _ : -."
        : !AlertEvents.IsValidType(Type) ? $"The event type '{Type}' must be 1 to 100 characters of a-z, 0-9, _ and '.'."
        : !AlertOwnerKinds.IsKnown(OwnerKind) ? $"The owner kind '{OwnerKind}' is not one of account, key, endpoint."
        : string.IsNullOrEmpty(OwnerId) || OwnerId.Length > Validate.MaxKeyLength || OwnerId.Any(char.IsControl) ? "The owner id must be 1 to 400 printable characters."
        : AccountId is not null && (AccountId.Length is 0 or > 128 || AccountId.Any(char.IsControl)) ? "The account id must be 1 to 128 printable characters, or null."
        : null;
}
