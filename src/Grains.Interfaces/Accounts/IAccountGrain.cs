using Tollgate.Grains.Limits;
using Tollgate.Grains.Metering;

namespace Tollgate.Grains.Accounts;

/// <summary>One account, keyed by its id: credits, trial, status and rate limits.</summary>
[Alias("tollgate.account")]
public interface IAccountGrain : ILimitedGrain
{
    [Alias("create")]
    Task<AccountSnapshot> Create(CreateAccount request);

    [Alias("get")]
    Task<AccountSnapshot> Get(GetAccount request);

    [Alias("void")]
    Task<VoidResult> Void(VoidReservation request);

    [Alias("adjust")]
    Task<AdjustResult> Adjust(AdjustCredit request);

    /// <summary>The account's part of an authorize; answered without waiting for earlier settles to commit (see the grain).</summary>
    [Alias("authorize")]
    Task<AccountAdmission> Authorize(AuthorizeAccount request);

    [Alias("settle")]
    Task<RequestSettled> Settle(SettleRequest request);

    [Alias("grant-trial")]
    Task<AccountSnapshot> GrantTrial(GrantTrial request);

    [Alias("set-status")]
    Task<AccountSnapshot> SetStatus(SetAccountStatus request);

    [Alias("set-time-zone")]
    Task<AccountSnapshot> SetTimeZone(SetAccountTimeZone request);

    /// <summary>Sets a budget of the account or of one of its keys (the gateway checks that the key is the account's).</summary>
    [Alias("set-budget")]
    Task<Budgets.BudgetState> SetBudget(Budgets.SetBudget request);

    /// <summary>True when the budget was there.</summary>
    [Alias("delete-budget")]
    Task<bool> DeleteBudget(Budgets.DeleteBudget request);

    [Alias("get-budgets")]
    Task<IReadOnlyList<Budgets.BudgetState>> GetBudgets(Budgets.GetBudgets request);

    [Alias("set-alerts")]
    Task<AccountSnapshot> SetAlerts(Alerts.SetAlerts request);

    [Alias("create-grant")]
    Task<Grants.GrantView> CreateGrant(Grants.CreateGrant request);

    [Alias("void-grant")]
    Task<Grants.GrantView> VoidGrant(Grants.VoidGrant request);

    /// <summary>Every grant, newest first (the last 500).</summary>
    [Alias("get-grants")]
    Task<IReadOnlyList<Grants.GrantView>> GetGrants();
}
