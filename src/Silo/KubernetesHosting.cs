namespace Tollgate.Silo;

/// <summary>Whether the silo uses Orleans' Kubernetes hosting (<c>Microsoft.Orleans.Hosting.Kubernetes</c>): setting <c>Silo:Kubernetes</c>.</summary>
public enum KubernetesMode
{
    /// <summary>Use it when the silo runs in a pod: <c>KUBERNETES_SERVICE_HOST</c> (set by Kubernetes in every pod) and <c>POD_NAME</c> (set by the manifest) are both set.</summary>
    Auto,

    /// <summary>Always (it fails at start outside a pod: it needs the pod's service account to reach the API server).</summary>
    On,

    /// <summary>Never: membership, names and addresses come from Tollgate's own settings alone, as outside Kubernetes.</summary>
    Off,
}

/// <summary>
/// When the silo runs in a Kubernetes pod, Orleans' Kubernetes hosting names the silo after its pod (<c>POD_NAME</c>),
/// takes the cluster and service ids from <c>ORLEANS_CLUSTER_ID</c> and <c>ORLEANS_SERVICE_ID</c> (the manifest sets them
/// from the pod's <c>orleans/clusterId</c> and <c>orleans/serviceId</c> labels), advertises the pod's IP (<c>POD_IP</c>)
/// and listens on every address, unless <c>Silo:AdvertisedAddress</c> or <c>Silo:ListenAddress</c> say otherwise. It
/// also watches the cluster's pods: a silo whose pod was deleted is declared dead at once, without waiting for failure
/// detection. Membership stays in PostgreSQL. Local runs and tests (no such variables) are not affected.
/// </summary>
public static class KubernetesHosting
{
    /// <summary>Set by Kubernetes in every container.</summary>
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";

    /// <summary>Set by the manifest from the pod's name (the downward API); Orleans reads it itself.</summary>
    public const string PodNameVariable = "POD_NAME";

    /// <summary>Whether to use Orleans' Kubernetes hosting, given the mode and the process's environment.</summary>
    public static bool Applies(KubernetesMode mode, Func<string, string?> environment) => mode switch
    {
        KubernetesMode.On => true,
        KubernetesMode.Off => false,
        _ => !string.IsNullOrWhiteSpace(environment(ServiceHostVariable)) && !string.IsNullOrWhiteSpace(environment(PodNameVariable)),
    };
}
