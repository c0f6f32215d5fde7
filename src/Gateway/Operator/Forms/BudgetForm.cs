using Tollgate.Grains;
using Tollgate.Grains.Budgets;

namespace Tollgate.Gateway.Operator.Forms;

/// <summary>The console's budget form, as typed (so a refused one is shown again as the operator left it).</summary>
public sealed class BudgetForm
{
    /// <summary>The period select's value for a rolling span, whose length is typed in <see cref="Rolling"/>.</summary>
    public const string RollingPeriod = "rolling";

    public static readonly string[] Periods = ["day", "week", "month", RollingPeriod];

    public string? Name { get; set; }
    public string? Period { get; set; } = "month";
    public string? Rolling { get; set; }
    public string? CapUsd { get; set; }
    public string? CapTokens { get; set; }
    public string? TimeZone { get; set; }
    public string? AlertPercents { get; set; } = "80, 95, 100";

    /// <summary>The grain's command; the caller checks it (<see cref="SetBudget.Problem"/>) as the admin API does.</summary>
    public SetBudget ToCommand(string? keyId, string actor)
    {
        var period = Period == RollingPeriod ? FormFields.Text(Rolling) ?? "" : Period ?? "";
        return new SetBudget(keyId, FormFields.Text(Name) ?? "", period,
            FormFields.Usd(CapUsd, Credits.MaxBalance, BudgetErrors.InvalidBudget, "The cost cap"),
            FormFields.Integer(CapTokens, BudgetErrors.InvalidBudget, "The token cap"),
            FormFields.Text(TimeZone), actor,
            FormFields.Integers(AlertPercents, BudgetErrors.InvalidBudget, "The alert percentages"));
    }
}
