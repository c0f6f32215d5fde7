namespace Tollgate.Runtime.Cluster;

/// <summary>
/// A silo incarnation: its network address and a generation that grows with each restart, so a
/// restarted silo at the same address supersedes its older incarnation.
/// </summary>
public sealed record SiloIdentity(string Address, long Generation)
{
    public override string ToString() => $"{Address}@{Generation}";
}
