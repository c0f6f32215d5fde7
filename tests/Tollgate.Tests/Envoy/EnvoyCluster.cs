using System.Text.Json;
using Envoy.Extensions.Common.Ratelimit.V3;
using Envoy.Service.Ratelimit.V3;
using Grpc.Core;
using Grpc.Net.Client;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.Envoy;

/// <summary>
/// A Tollgate (two silos, two gateways) whose gateways serve Envoy's rate-limit service, each on a port of its own, reached by a
/// gRPC client generated from the gateway's own .proto files. The domain <c>tollgate</c> has the default mapping; <c>fleet</c>
/// maps Envoy AI Gateway's model header to models prefixed <c>fleet/</c>, counted in tokens.
/// </summary>
public sealed class EnvoyCluster : IAsyncLifetime
{
    public static readonly string[] FleetDomain =
    [
        "--Envoy:Domains:fleet:Descriptors:x-ai-eg-model:Scope=Model", "--Envoy:Domains:fleet:Descriptors:x-ai-eg-model:Unit=Tokens",
        "--Envoy:Domains:fleet:Descriptors:x-ai-eg-model:Prefix=fleet/",
    ];

    private readonly List<GrpcChannel> _channels = [];

    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>The second gateway's metering API.</summary>
    public HttpClient SecondMetering { get; private set; } = null!;

    /// <summary>The rate-limit port of each gateway.</summary>
    public int[] Ports { get; } = [FreePort.Loopback(), FreePort.Loopback()];

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(await TestPostgres.CreateDatabaseAsync(), 2, null, null, null, [$"--Envoy:Port={Ports[0]}", .. FleetDomain]);
        SecondMetering = await Cluster.AddGatewayAsync($"--Envoy:Port={Ports[1]}");
    }

    public async Task DisposeAsync()
    {
        foreach (var channel in _channels) channel.Dispose();
        await Cluster.DisposeAsync();
    }

    /// <summary>A client of the rate-limit service at <paramref name="port"/> (plain-text HTTP/2, as Envoy's cluster speaks it).</summary>
    public RateLimitService.RateLimitServiceClient Client(int port)
    {
        var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        _channels.Add(channel);
        return new RateLimitService.RateLimitServiceClient(channel);
    }

    public RateLimitService.RateLimitServiceClient Rls(int gateway = 0) => _clients[gateway] ??= Client(Ports[gateway]);

    private readonly RateLimitService.RateLimitServiceClient?[] _clients = new RateLimitService.RateLimitServiceClient?[2];

    /// <summary>ShouldRateLimit on gateway <paramref name="gateway"/>, presenting the service token as Envoy's initial_metadata does.</summary>
    public async Task<RateLimitResponse> CallAsync(RateLimitRequest request, int gateway = 0, string? token = TestCluster.ServiceToken) =>
        await Rls(gateway).ShouldRateLimitAsync(request, Token(token));

    public static Metadata Token(string? token) => token is null ? new Metadata() : new Metadata { { "authorization", $"Bearer {token}" } };

    public static RateLimitRequest Request(params RateLimitDescriptor[] descriptors) => Request("tollgate", descriptors);

    public static RateLimitRequest Request(string domain, params RateLimitDescriptor[] descriptors)
    {
        var request = new RateLimitRequest { Domain = domain };
        request.Descriptors.AddRange(descriptors);
        return request;
    }

    /// <summary>A descriptor of one entry; <paramref name="hits"/>: its own hits_addend.</summary>
    public static RateLimitDescriptor Descriptor(string key, string value, ulong? hits = null)
    {
        var descriptor = new RateLimitDescriptor();
        descriptor.Entries.Add(new RateLimitDescriptor.Types.Entry { Key = key, Value = value });
        if (hits is { } count) descriptor.HitsAddend = count;
        return descriptor;
    }

    public static string? Header(RateLimitResponse response, string name) =>
        response.ResponseHeadersToAdd.SingleOrDefault(header => header.Key == name)?.Value;

    /// <summary>
    /// PUT a scope's limits through the admin API. A caller IP's go through both gateways: each answers an IP without
    /// limits from its copy of the IP settings, which another gateway's change reaches within 2 × Metering:SettingsRefresh
    /// (SettingsCopyTests), and the gateway a change is made through at once.
    /// </summary>
    public async Task SetLimitsAsync(string path, string limits)
    {
        await MeteringCalls.AdminAsync(Cluster.Admin, HttpMethod.Put, path, limits);
        if (path.StartsWith("/admin/ips/", StringComparison.Ordinal)) await MeteringCalls.AdminAsync(Cluster.ClientOf(1, TestCluster.AdminToken), HttpMethod.Put, path, limits);
    }

    /// <summary>What remains of a scope's limit now, as the admin API reads it from the grain.</summary>
    public async Task<long> RemainingAsync(string path, string limit)
    {
        using var response = await Cluster.Admin.GetAsync(path);
        var view = await Http.ReadAsync(response);
        return view.GetProperty("current").EnumerateArray().Single(state => state.GetProperty("name").GetString() == limit).GetProperty("remaining").GetInt64();
    }

    /// <summary>The OpenAI-shaped error of an OVER_LIMIT answer's body.</summary>
    public static JsonElement Error(RateLimitResponse response) => JsonDocument.Parse(response.RawBody.Memory).RootElement.GetProperty("error").Clone();
}

/// <summary>gRPC clients of the rate-limit service of gateways a test started itself, by their ports.</summary>
public sealed class EnvoyClients(int[] ports) : IAsyncDisposable
{
    private readonly GrpcChannel[] _channels = [.. ports.Select(port => GrpcChannel.ForAddress($"http://127.0.0.1:{port}"))];

    public async Task<RateLimitResponse> CallAsync(int gateway, RateLimitRequest request, string? token = TestCluster.ServiceToken) =>
        await new RateLimitService.RateLimitServiceClient(_channels[gateway]).ShouldRateLimitAsync(request, EnvoyCluster.Token(token));

    public ValueTask DisposeAsync()
    {
        foreach (var channel in _channels) channel.Dispose();
        return ValueTask.CompletedTask;
    }
}
