using Tollgate.Gateway.Operator.Forms;
using Tollgate.Grains.Budgets;

namespace Tollgate.Gateway.Operator.Pages.Shared;

/// <summary>
/// The budgets of an account or a key, with the forms that set and delete them: one partial (<c>_Budgets</c>) for both
/// pages. Its forms post to the page's <c>SetBudget</c> and <c>DeleteBudget</c> handlers with <see cref="Route"/>.
/// </summary>
/// <param name="Owner">"account" or "key", for the labels.</param>
/// <param name="DefaultZone">The zone a budget without its own follows (the account's).</param>
public sealed record BudgetsPanel(string Owner, IReadOnlyList<BudgetState> Budgets, BudgetForm Form, string DefaultZone, IDictionary<string, string> Route);
