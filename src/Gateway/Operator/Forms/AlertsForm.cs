using System.Globalization;
using Tollgate.Grains;
using Tollgate.Grains.Alerts;

namespace Tollgate.Gateway.Operator.Forms;

/// <summary>The console's balance-alerts form: prefilled with the account's settings, shown again as typed when refused.</summary>
public sealed class AlertsForm
{
    public string? LowBalanceUsd { get; set; }

    /// <summary>A checkbox followed by a hidden <c>false</c>: checked posts <c>true,false</c> (the first wins), unchecked <c>false</c>.</summary>
    public bool Depleted { get; set; } = AlertSettings.Default.Depleted;

    public string? GrantExpiringDays { get; set; }

    public static AlertsForm From(AlertSettings? alerts)
    {
        alerts ??= AlertSettings.Default;
        return new AlertsForm
        {
            LowBalanceUsd = alerts.LowBalanceBelowNanoUsd is { } low ? Credits.ToUsd(low) : null,
            Depleted = alerts.Depleted,
            GrantExpiringDays = alerts.GrantExpiringDays?.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The settings; the caller checks them (<see cref="AlertSettings.Problem"/>) as the admin API does. An empty field is "none".</summary>
    public AlertSettings ToSettings()
    {
        var days = FormFields.Integer(GrantExpiringDays, AlertErrors.InvalidAlerts, "Grant expiring days");
        return new AlertSettings(FormFields.Usd(LowBalanceUsd, Credits.MaxBalance, AlertErrors.InvalidAlerts, "Low balance below"), Depleted,
            days is null ? null : (int)Math.Clamp(days.Value, int.MinValue, int.MaxValue)); // out of 1 to 366 is the settings' own error
    }
}
