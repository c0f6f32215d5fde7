using System.Reflection;
using Tollgate.Grains;
using Tollgate.Grains.Accounts;

namespace Tollgate.Tests.Cluster;

/// <summary>What every grain interface's messages must be, for grain calls to stay cheap.</summary>
public sealed class GrainContractTests
{
    /// <summary>
    /// Orleans' generated reference copies every argument type it cannot prove immutable, and resolves a copier for each
    /// when a reference is made (with ActivatorUtilities, by reflection): for the account grain that was 21 copiers on
    /// every GetGrain, made twice per metered pair. A request record marked [Immutable] needs none.
    /// </summary>
    [Fact]
    public void Every_record_a_grain_method_takes_is_marked_immutable()
    {
        var grainInterfaces = typeof(IAccountGrain).Assembly.GetTypes().Where(type => type.IsInterface && typeof(IGrain).IsAssignableFrom(type));
        var copied = grainInterfaces
            .SelectMany(grain => grain.GetMethods().SelectMany(method => method.GetParameters().Select(parameter => (grain, method, parameter.ParameterType))))
            .Where(call => call.ParameterType.Assembly == typeof(IAccountGrain).Assembly && call.ParameterType.GetCustomAttribute<ImmutableAttribute>() is null)
            .Select(call => $"{call.grain.Name}.{call.method.Name}({call.ParameterType.Name})")
            .ToList();

        Assert.NotEmpty(grainInterfaces);
        Assert.Empty(copied);
    }

    /// <summary>
    /// The answers of a metered pair (an authorize's and a settle's) are not copied either when the caller shares the silo
    /// (Silo:ApiUrls): a grain makes each one afresh and never changes it after, so the caller may hold the grain's instance.
    /// </summary>
    [Theory]
    [InlineData(typeof(Tollgate.Grains.Metering.AccountAdmission))]
    [InlineData(typeof(Tollgate.Grains.Metering.RequestSettled))]
    [InlineData(typeof(Tollgate.Grains.Limits.Admission))]
    [InlineData(typeof(Tollgate.Grains.Limits.Denial))]
    [InlineData(typeof(Tollgate.Grains.Limits.LimitState))]
    [InlineData(typeof(Tollgate.Grains.Budgets.BudgetState))]
    public void The_answers_of_a_metered_pair_are_marked_immutable(Type answer) =>
        Assert.NotNull(answer.GetCustomAttribute<ImmutableAttribute>());
}
