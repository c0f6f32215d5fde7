using Tollgate.Silo;

namespace Tollgate.Tests.Deploy;

/// <summary>When the silo uses Orleans' Kubernetes hosting: in a pod only, unless told otherwise; local runs and tests never.</summary>
public sealed class KubernetesHostingTests
{
    [Theory]
    [InlineData(KubernetesMode.Auto, null, null, false)] // a local run, a test
    [InlineData(KubernetesMode.Auto, "10.96.0.1", null, false)] // a process in some pod whose manifest names no pod (a CI runner)
    [InlineData(KubernetesMode.Auto, null, "tollgate-silo-0", false)] // POD_NAME alone is not a pod
    [InlineData(KubernetesMode.Auto, "10.96.0.1", "tollgate-silo-0", true)] // deploy/kubernetes/silo.yaml
    [InlineData(KubernetesMode.Auto, "10.96.0.1", " ", false)]
    [InlineData(KubernetesMode.Off, "10.96.0.1", "tollgate-silo-0", false)]
    [InlineData(KubernetesMode.On, null, null, true)]
    public void Kubernetes_hosting_applies_in_a_pod_that_names_itself_or_when_forced(KubernetesMode mode, string? serviceHost, string? podName, bool applies)
    {
        var environment = new Dictionary<string, string?> { ["KUBERNETES_SERVICE_HOST"] = serviceHost, ["POD_NAME"] = podName };
        Assert.Equal(applies, KubernetesHosting.Applies(mode, name => environment.GetValueOrDefault(name)));
    }

    [Fact]
    public void This_test_process_is_not_taken_for_a_pod()
    {
        // Every other test builds silos in this process: none of them may try to reach a Kubernetes API server.
        Assert.False(KubernetesHosting.Applies(new SiloSettings().Kubernetes, Environment.GetEnvironmentVariable));
    }
}
