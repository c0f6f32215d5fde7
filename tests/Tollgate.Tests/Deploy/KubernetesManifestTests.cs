using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Tollgate.Gateway;
using Tollgate.Silo;
using Tollgate.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Tollgate.Tests.Deploy;

/// <summary>
/// What deploy/kubernetes must get right about Tollgate itself (deploy/validate.sh checks the files against Kubernetes'
/// schema): probes on paths and ports the processes serve, grace periods above their shutdown timeouts, every secret key
/// there, selectors that match their pods, the labels Orleans' Kubernetes hosting reads, and its RBAC.
/// </summary>
public sealed partial class KubernetesManifestTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly Lazy<IReadOnlyList<Manifest>> All = new(() => Directory.GetFiles(Repository.PathOf("deploy", "kubernetes"), "*.yaml")
        .Concat(Directory.GetFiles(Repository.PathOf("deploy", "kubernetes", "examples"), "*.yaml")).Order(StringComparer.Ordinal)
        .SelectMany(Manifest.Load).ToList());

    private static Manifest Object(string kind, string name) =>
        Assert.Single(All.Value, manifest => manifest.Kind == kind && manifest.Name == name);

    private static YamlMappingNode PodTemplate(string deployment) => Object("Deployment", deployment).Node.Path("spec", "template");

    private static YamlMappingNode Container(string deployment) => (YamlMappingNode)Assert.Single(PodTemplate(deployment).Path("spec").Seq("containers"));

    [Fact]
    public void The_kinds_are_the_ones_a_tollgate_needs_at_api_versions_kubernetes_serves()
    {
        var expected = new[]
        {
            ("apps/v1", "Deployment", "tollgate-silo"), ("apps/v1", "Deployment", "tollgate-gateway"), ("v1", "Service", "tollgate-gateway"),
            ("policy/v1", "PodDisruptionBudget", "tollgate-silo"), ("policy/v1", "PodDisruptionBudget", "tollgate-gateway"),
            ("v1", "ServiceAccount", "tollgate-silo"), ("v1", "ServiceAccount", "tollgate-gateway"),
            ("rbac.authorization.k8s.io/v1", "Role", "tollgate-silo-pods"), ("rbac.authorization.k8s.io/v1", "RoleBinding", "tollgate-silo-pods"),
            ("networking.k8s.io/v1", "NetworkPolicy", "tollgate-silo"), ("v1", "Secret", "tollgate"),
        };
        Assert.Equal(expected.Order(), All.Value.Select(manifest => (manifest.ApiVersion, manifest.Kind, manifest.Name)).Order());
        // No bundled database: PostgreSQL is the operator's, named by the Secret.
        Assert.DoesNotContain(All.Value, manifest => manifest.Kind is "StatefulSet" or "PersistentVolumeClaim");
        Assert.All(All.Value, manifest => Assert.Null(manifest.Node.Path("metadata").Get("namespace"))); // applied with -n, to any namespace
    }

    [Fact]
    public void Selectors_match_their_own_pods_and_no_others()
    {
        var silo = Labels(PodTemplate("tollgate-silo").Path("metadata"));
        var gateway = Labels(PodTemplate("tollgate-gateway").Path("metadata"));
        foreach (var (deployment, labels, other) in new[] { ("tollgate-silo", silo, gateway), ("tollgate-gateway", gateway, silo) })
        {
            var selector = Labels(Object("Deployment", deployment).Node.Path("spec", "selector"), "matchLabels");
            Assert.True(Selects(selector, labels), $"{deployment}'s selector does not select its pods");
            Assert.False(Selects(selector, other), $"{deployment}'s selector also selects the other deployment's pods");
            var budget = Labels(Object("PodDisruptionBudget", deployment).Node.Path("spec", "selector"), "matchLabels");
            Assert.True(Selects(budget, labels) && !Selects(budget, other), $"the disruption budget {deployment} does not select exactly its pods");
            // One pod at a time, and a rolling update starts the new pod before it stops an old one.
            Assert.Equal("1", Object("PodDisruptionBudget", deployment).Node.Path("spec").Get("maxUnavailable"));
            Assert.Equal("0", Object("Deployment", deployment).Node.Path("spec", "strategy", "rollingUpdate").Get("maxUnavailable"));
            Assert.True(int.Parse(Object("Deployment", deployment).Node.Path("spec").Get("replicas")!) >= 2, $"{deployment} runs one replica: its budget would block every drain");
        }
        var service = Labels(Object("Service", "tollgate-gateway").Node.Path("spec"), "selector");
        Assert.True(Selects(service, gateway) && !Selects(service, silo), "the gateway Service does not select exactly the gateways");
        var servicePort = (YamlMappingNode)Assert.Single(Object("Service", "tollgate-gateway").Node.Path("spec").Seq("ports"));
        Assert.Contains(Container("tollgate-gateway").Seq("ports").Cast<YamlMappingNode>(), port => port.Get("name") == servicePort.Get("targetPort"));
    }

    [Fact]
    public async Task Probes_ask_paths_the_processes_serve_on_the_port_they_listen_on()
    {
        var siloPaths = await SiloRoutesAsync(await postgres.CreateDatabaseAsync());
        var gatewayPaths = await GatewayRoutesAsync();
        foreach (var (deployment, served) in new[] { ("tollgate-silo", siloPaths), ("tollgate-gateway", gatewayPaths) })
        {
            var container = Container(deployment);
            var listening = Regex.Match(Env(container, "Urls") ?? "", @"^http://0\.0\.0\.0:(\d+)$");
            Assert.True(listening.Success, $"{deployment} does not listen on every address of the pod (Urls: {Env(container, "Urls")})");
            foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
            {
                var get = container.Path(probe, "httpGet");
                Assert.Contains(get.Get("path")!, served);
                var port = Assert.Single(container.Seq("ports").Cast<YamlMappingNode>(), p => p.Get("name") == get.Get("port"));
                Assert.Equal(listening.Groups[1].Value, port.Get("containerPort"));
            }
        }
        // A gateway takes traffic once PostgreSQL and the cluster answer, not merely once it runs.
        Assert.Equal("/health/ready", Container("tollgate-gateway").Path("readinessProbe", "httpGet").Get("path"));
        // The silo's Orleans ports are Tollgate's defaults, which the manifest does not override.
        var defaults = new SiloSettings();
        var siloPorts = Container("tollgate-silo").Seq("ports").Cast<YamlMappingNode>().ToDictionary(p => p.Get("name")!, p => p.Get("containerPort"));
        Assert.Equal(defaults.SiloPort.ToString(), siloPorts["silo"]);
        Assert.Equal(defaults.GatewayPort.ToString(), siloPorts["orleans-gateway"]);
        Assert.Null(Env(Container("tollgate-silo"), "Silo__SiloPort"));
    }

    [Fact]
    public void Pods_are_given_longer_to_stop_than_the_processes_take()
    {
        foreach (var (deployment, shutdown) in new[] { ("tollgate-silo", SiloApp.ShutdownTimeout), ("tollgate-gateway", GatewayApp.ShutdownTimeout) })
        {
            var grace = int.Parse(PodTemplate(deployment).Path("spec").Get("terminationGracePeriodSeconds")!);
            // Some margin: the kill comes at the grace period's end, counted from SIGTERM, and the host's timeout starts a little later.
            Assert.True(grace >= shutdown.TotalSeconds + 10, $"{deployment}: terminationGracePeriodSeconds {grace} leaves no margin over the {shutdown.TotalSeconds} s shutdown timeout");
            // A liveness probe must not kill a process that is stopping gracefully (503 from the silo's /health while it stops).
            var liveness = Container(deployment).Path("livenessProbe");
            var toleratedSeconds = int.Parse(liveness.Get("periodSeconds")!) * int.Parse(liveness.Get("failureThreshold")!);
            Assert.True(deployment != "tollgate-silo" || toleratedSeconds > shutdown.TotalSeconds, $"{deployment}'s liveness probe gives up after {toleratedSeconds} s");
        }
    }

    [Fact]
    public void Every_secret_key_referenced_is_in_the_secret_and_every_key_there_is_used()
    {
        var secret = Object("Secret", "tollgate").Node.Path("stringData").Children.Keys.Select(key => ((YamlScalarNode)key).Value!).ToHashSet();
        var referenced = new HashSet<string>();
        foreach (var deployment in new[] { "tollgate-silo", "tollgate-gateway" })
        {
            foreach (var variable in Container(deployment).Seq("env").Cast<YamlMappingNode>())
            {
                if (variable.Get("valueFrom") is null || !variable.Path("valueFrom").Children.ContainsKey("secretKeyRef")) continue;
                var reference = variable.Path("valueFrom", "secretKeyRef");
                Assert.Equal("tollgate", reference.Get("name"));
                Assert.True(secret.Contains(reference.Get("key")!), $"{deployment} reads key {reference.Get("key")} that the Secret does not have");
                referenced.Add(reference.Get("key")!);
            }
        }
        Assert.Equal(secret.Order(), referenced.Order());
        // What the issue asks for by Secret, under the settings the processes read.
        Assert.Equal("postgres-connection-string", SecretKeyOf(Container("tollgate-silo"), "Postgres__ConnectionString"));
        Assert.Equal("postgres-connection-string", SecretKeyOf(Container("tollgate-gateway"), "Postgres__ConnectionString"));
        Assert.Equal("admin-token", SecretKeyOf(Container("tollgate-gateway"), "Admin__Token"));
        Assert.Equal("service-token", SecretKeyOf(Container("tollgate-gateway"), "Metering__ServiceToken"));
        // docs/kubernetes.md's command that creates the Secret names the same keys.
        var documented = SecretLiteral().Matches(Repository.Read("docs", "kubernetes.md")).Select(match => match.Groups[1].Value).ToHashSet();
        Assert.Equal(secret.Order(), documented.Order());
    }

    [Fact]
    public void The_silos_carry_the_labels_orleans_kubernetes_hosting_reads_and_the_gateways_join_that_cluster()
    {
        var silo = PodTemplate("tollgate-silo");
        var labels = Labels(silo.Path("metadata"));
        var container = Container("tollgate-silo");
        foreach (var (variable, label, gatewaySetting) in new[] { ("ORLEANS_CLUSTER_ID", "orleans/clusterId", "Cluster__ClusterId"), ("ORLEANS_SERVICE_ID", "orleans/serviceId", "Cluster__ServiceId") })
        {
            Assert.True(labels.ContainsKey(label), $"the silo pods have no {label} label");
            Assert.Equal($"metadata.labels['{label}']", FieldOf(container, variable));
            Assert.Equal(labels[label], Env(Container("tollgate-gateway"), gatewaySetting));
        }
        Assert.Equal("metadata.name", FieldOf(container, "POD_NAME")); // the silo's name
        Assert.Equal("metadata.namespace", FieldOf(container, "POD_NAMESPACE"));
        Assert.Equal("status.podIP", FieldOf(container, "POD_IP")); // the address it advertises
        Assert.Null(Env(container, "Silo__AdvertisedAddress")); // which would override it
        // Orleans' agent lists the pods with both labels as silos: a gateway pod among them would be an "unknown pod".
        Assert.DoesNotContain(Labels(PodTemplate("tollgate-gateway").Path("metadata")).Keys, key => key.StartsWith("orleans/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_silos_service_account_may_read_watch_and_label_pods_and_nothing_more()
    {
        var account = PodTemplate("tollgate-silo").Path("spec").Get("serviceAccountName");
        Assert.Equal("tollgate-silo", account);
        var rule = (YamlMappingNode)Assert.Single(Object("Role", "tollgate-silo-pods").Node.Seq("rules"));
        Assert.Equal([""], rule.Seq("apiGroups").Select(Scalar));
        Assert.Equal(["pods"], rule.Seq("resources").Select(Scalar));
        Assert.Equal(["get", "list", "patch", "watch"], rule.Seq("verbs").Select(Scalar).Order());
        var binding = Object("RoleBinding", "tollgate-silo-pods").Node;
        Assert.Equal(("Role", "tollgate-silo-pods"), (binding.Path("roleRef").Get("kind"), binding.Path("roleRef").Get("name")));
        var subject = (YamlMappingNode)Assert.Single(binding.Seq("subjects"));
        Assert.Equal(("ServiceAccount", account), (subject.Get("kind"), subject.Get("name")));
        // The gateways call no Kubernetes API.
        Assert.Equal("false", PodTemplate("tollgate-gateway").Path("spec").Get("automountServiceAccountToken"));
    }

    [Fact]
    public void The_images_are_the_ones_the_dockerfile_builds()
    {
        var dockerfile = Repository.Read("Dockerfile");
        Assert.Contains("ARG PROJECT", dockerfile);
        Assert.Contains("dotnet publish \"src/${PROJECT}/Tollgate.${PROJECT}.csproj\"", dockerfile);
        foreach (var (deployment, project) in new[] { ("tollgate-silo", "Silo"), ("tollgate-gateway", "Gateway") })
        {
            Assert.True(File.Exists(Repository.PathOf("src", project, $"Tollgate.{project}.csproj")));
            Assert.Equal($"tollgate-{project.ToLowerInvariant()}:latest", Container(deployment).Get("image"));
            Assert.Contains($"--build-arg PROJECT={project} -t tollgate-{project.ToLowerInvariant()}:latest", File.ReadAllText(Object("Deployment", deployment).File));
        }
    }

    [Fact]
    public void Only_tollgates_own_pods_reach_the_silos_orleans_ports()
    {
        var policy = Object("NetworkPolicy", "tollgate-silo").Node.Path("spec");
        Assert.True(Selects(Labels(policy, "podSelector", "matchLabels"), Labels(PodTemplate("tollgate-silo").Path("metadata"))));
        var orleans = policy.Seq("ingress").Cast<YamlMappingNode>().Single(rule => rule.Seq("ports").Cast<YamlMappingNode>().Any(port => port.Get("port") == "11111"));
        Assert.Equal(["11111", "30000"], orleans.Seq("ports").Cast<YamlMappingNode>().Select(port => port.Get("port")!).Order());
        var from = Labels((YamlMappingNode)Assert.Single(orleans.Seq("from")), "podSelector", "matchLabels");
        Assert.True(Selects(from, Labels(PodTemplate("tollgate-gateway").Path("metadata"))) && Selects(from, Labels(PodTemplate("tollgate-silo").Path("metadata"))));
    }

    private static async Task<HashSet<string>> SiloRoutesAsync(string connectionString)
    {
        await using var silo = await SiloApp.BuildAsync([$"--Postgres:ConnectionString={connectionString}"]);
        return RoutesOf(silo);
    }

    private static async Task<HashSet<string>> GatewayRoutesAsync()
    {
        // Built, never started: it connects to nothing.
        await using var gateway = GatewayApp.Build(["--Postgres:ConnectionString=Host=127.0.0.1;Port=1;Username=nobody"]);
        return RoutesOf(gateway);
    }

    private static HashSet<string> RoutesOf(IEndpointRouteBuilder app) => app.DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
        .Where(endpoint => endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods.Contains("GET") == true)
        .Select(endpoint => "/" + endpoint.RoutePattern.RawText!.TrimStart('/')).ToHashSet();

    private static Dictionary<string, string> Labels(YamlMappingNode node, params string[] path)
    {
        var labels = path.Length == 0 ? node.Path("labels") : node.Path(path);
        return labels.Children.ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => ((YamlScalarNode)pair.Value).Value!);
    }

    private static bool Selects(Dictionary<string, string> selector, Dictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);

    private static YamlMappingNode? Variable(YamlMappingNode container, string name) =>
        container.Seq("env").Cast<YamlMappingNode>().SingleOrDefault(variable => variable.Get("name") == name);

    private static string? Env(YamlMappingNode container, string name) => Variable(container, name)?.Get("value");

    private static string? FieldOf(YamlMappingNode container, string name) => Variable(container, name)?.Path("valueFrom", "fieldRef").Get("fieldPath");

    private static string? SecretKeyOf(YamlMappingNode container, string name) => Variable(container, name)?.Path("valueFrom", "secretKeyRef").Get("key");

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value!;

    [GeneratedRegex(@"--from-literal=([a-z-]+)=")]
    private static partial Regex SecretLiteral();
}

/// <summary>One object of a YAML file.</summary>
internal sealed record Manifest(string File, YamlMappingNode Node)
{
    public string ApiVersion => Node.Get("apiVersion")!;
    public string Kind => Node.Get("kind")!;
    public string Name => Node.Path("metadata").Get("name")!;

    public static IEnumerable<Manifest> Load(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(file)) stream.Load(reader);
        return stream.Documents.Where(document => document.RootNode is YamlMappingNode).Select(document => new Manifest(file, (YamlMappingNode)document.RootNode));
    }
}

internal static class YamlNodes
{
    /// <summary>The mapping at <paramref name="keys"/> under <paramref name="node"/>; fails the test when there is none.</summary>
    public static YamlMappingNode Path(this YamlMappingNode node, params string[] keys)
    {
        foreach (var key in keys)
        {
            Assert.True(node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlMappingNode, $"no mapping '{key}' in {node.Start}");
            node = (YamlMappingNode)child;
        }
        return node;
    }

    public static YamlSequenceNode Seq(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlSequenceNode sequence ? sequence : throw new Xunit.Sdk.XunitException($"no list '{key}' at {node.Start}");

    /// <summary>A scalar's text, or null when the key is missing; a mapping or list is returned as its presence ("").</summary>
    public static string? Get(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) ? (child as YamlScalarNode)?.Value ?? "" : null;
}
