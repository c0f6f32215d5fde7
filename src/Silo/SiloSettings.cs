using Tollgate.Persistence;

namespace Tollgate.Silo;

/// <summary>Settings of a silo (configuration section <c>Silo</c>); membership timing is in <c>Silo:Membership</c>.</summary>
public sealed class SiloSettings
{
    /// <summary>Silos and gateways with the same cluster id form one cluster.</summary>
    public string ClusterId { get; set; } = "tollgate";

    /// <summary>Names the service's stored grain state; keep it across deployments (and clusters) of one service.</summary>
    public string ServiceId { get; set; } = "tollgate";

    /// <summary>
    /// The address other silos and gateways reach this one at: an IP address, or a host name resolved at start. Unset:
    /// <c>127.0.0.1</c>, or in a Kubernetes pod the pod's IP (<see cref="KubernetesHosting"/>).
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// Where the silo and gateway ports listen; defaults to the advertised address (use 0.0.0.0 in a container), or in a
    /// Kubernetes pod to every address.
    /// </summary>
    public string? ListenAddress { get; set; }

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port gateways (Orleans clients) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Where Orleans looks up which silo hosts a grain. <see cref="GrainDirectoryKind.Default"/> (Orleans' eventually
    /// consistent directory) answers at once after a crash but can briefly let two activations of a grain exist
    /// while membership changes; <see cref="GrainDirectoryKind.Distributed"/> (experimental in Orleans 10) never
    /// does, at the price of keeping a crashed silo's grains unreachable for <see cref="DirectoryLeaseDuration"/>.
    /// Money is exact either way (every account write is fenced by the row's version); rate windows are not.
    /// </summary>
    public GrainDirectoryKind GrainDirectory { get; set; } = GrainDirectoryKind.Default;

    /// <summary>How long the distributed directory keeps a crashed silo's range (Orleans' default is 30 s).</summary>
    public TimeSpan DirectoryLeaseDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether to use Orleans' Kubernetes hosting: <see cref="KubernetesMode.Auto"/> uses it in a pod only.</summary>
    public KubernetesMode Kubernetes { get; set; } = KubernetesMode.Auto;

    public GroupCommitOptions GroupCommit { get; set; } = new();

    /// <summary>
    /// Where this silo also serves the gateway's HTTP APIs, e.g. <c>http://0.0.0.0:8080</c> (<see cref="CoHostedGateway"/>), configured
    /// by the same keys as a gateway process (<c>Admin:Token</c>, <c>Metering:ServiceToken</c>, <c>Proxy</c>, <c>Cluster</c>...). Unset:
    /// it serves only its own endpoints (<c>Urls</c>), and gateways are processes of their own.
    /// </summary>
    public string? ApiUrls { get; set; }

    /// <summary>
    /// Whether this silo feeds the Orleans dashboard. Off by default: besides a little on every grain call, its metric collection
    /// walks every activation once a second, busy or idle (about half a core per million activations, and a fifth of a hot
    /// account's throughput: docs/operations.md). The run command turns it on. Set it on every silo or on none.
    /// </summary>
    public bool Dashboard { get; set; }
}

public enum GrainDirectoryKind
{
    Default,
    Distributed,
}
