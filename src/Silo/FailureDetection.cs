using Orleans.Configuration;

namespace Tollgate.Silo;

/// <summary>
/// Membership timing: Orleans' defaults take about 15 s to declare a crashed silo dead, while callers of
/// its grains wait. These declare it dead in about 2-3 s (two missed 1 s probes, then two votes), and
/// refresh the table every 5 s. Every value can be overridden in <c>Silo:Membership</c>.
/// </summary>
internal static class FailureDetection
{
    public static void Apply(ClusterMembershipOptions membership)
    {
        membership.ProbeTimeout = TimeSpan.FromSeconds(1);
        membership.NumMissedProbesLimit = 2;
        membership.NumVotesForDeathDeclaration = 2;
        membership.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        membership.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
    }
}
