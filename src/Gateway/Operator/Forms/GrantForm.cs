using Tollgate.Grains;
using Tollgate.Grains.Grants;

namespace Tollgate.Gateway.Operator.Forms;

/// <summary>The console's grant form, as typed. Its id is prefilled fresh, so a double submit grants once (the id is the grant's idempotency key).</summary>
public sealed class GrantForm
{
    public string? GrantId { get; set; } = NewId();
    public string? AmountUsd { get; set; }
    public string? Kind { get; set; } = GrantKinds.Paid;
    public string? Priority { get; set; } = GrantRules.DefaultPriority.ToString(System.Globalization.CultureInfo.InvariantCulture);
    public string? EffectiveAt { get; set; }
    public string? ExpiresAt { get; set; }
    public string? Reason { get; set; }

    public static string NewId() => "ops-" + Guid.NewGuid().ToString("N");

    /// <summary>The grain's command; the caller checks it (<see cref="CreateGrant.Problem"/>) as the admin API does.</summary>
    public CreateGrant ToCommand(string actor)
    {
        var amount = FormFields.Usd(AmountUsd, Credits.MaxAmount, GrantErrors.InvalidGrant, "The amount")
            ?? throw Api.ApiException.BadRequest(GrantErrors.InvalidGrant, "The amount is required: dollars, such as 25 or 2.50.");
        var priority = FormFields.Integer(Priority, GrantErrors.InvalidGrant, "The priority") ?? GrantRules.DefaultPriority;
        return new CreateGrant(FormFields.Text(GrantId) ?? "", amount, FormFields.Text(Kind) ?? GrantKinds.Paid,
            (int)Math.Clamp(priority, int.MinValue, int.MaxValue), // out of 0 to 100 is the grant's own error
            FormFields.Utc(EffectiveAt, GrantErrors.InvalidGrant, "Effective"), FormFields.Utc(ExpiresAt, GrantErrors.InvalidGrant, "Expires"),
            FormFields.Text(Reason), actor);
    }
}
