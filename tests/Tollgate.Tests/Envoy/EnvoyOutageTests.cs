using Grpc.Core;
using Orleans.Runtime;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Envoy.EnvoyCluster;
using static Tollgate.Tests.Infrastructure.MeteringCalls;
using Code = Envoy.Service.Ratelimit.V3.RateLimitResponse.Types.Code;

namespace Tollgate.Tests.Envoy;

/// <summary>The rate-limit service while the cluster cannot answer: the proxy's outage policy (Proxy:Outage:Limits), as docs/envoy.md says.</summary>
public sealed class EnvoyOutageTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task While_the_cluster_cannot_answer_a_denying_gateway_is_unavailable_and_an_allowing_one_answers_ok_within_its_allowance()
    {
        var down = false;
        int[] ports = [FreePort.Loopback(), FreePort.Loopback()];
        await using var cluster = await TestCluster.StartAsync(await postgres.CreateDatabaseAsync(), 1, null, null, silo => silo.AddIncomingGrainCallFilter(async context =>
        {
            if (Volatile.Read(ref down)) throw new SiloUnavailableException("The cluster does not answer."); // every grain, as in an outage
            await context.Invoke();
        }), [$"--Envoy:Port={ports[0]}"]);
        // The second gateway allows two requests per key (and per address) while the cluster cannot answer.
        await cluster.AddGatewayAsync($"--Envoy:Port={ports[1]}", "--Proxy:Outage:Limits=Allow", "--Proxy:Outage:RequestsPerKey=2");
        await using var envoy = new EnvoyClients(ports);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000_000);
        var (_, key) = await CreateKeyAsync(cluster.Admin, "acme");
        var (_, neverSeen) = await CreateKeyAsync(cluster.Admin, "acme");
        var ip = 0;
        Task<global::Envoy.Service.Ratelimit.V3.RateLimitResponse> CallAsync(int gateway, string apiKey) =>
            envoy.CallAsync(gateway, Request(Descriptor("remote_address", $"192.0.2.{++ip}"), Descriptor("api_key", $"Bearer {apiKey}")));
        // Both gateways have seen the cluster verify the key.
        foreach (var gateway in (int[])[0, 1]) Assert.Equal(Code.Ok, (await CallAsync(gateway, key)).OverallCode);

        Volatile.Write(ref down, true);
        var unavailable = await Assert.ThrowsAsync<RpcException>(() => CallAsync(0, key));
        Assert.Equal(StatusCode.Unavailable, unavailable.StatusCode); // Envoy's failure_mode_deny decides

        for (var i = 0; i < 2; i++)
        {
            var admitted = await CallAsync(1, key);
            Assert.Equal((Code.Ok, "cluster_unavailable"), (admitted.OverallCode, Header(admitted, "x-tollgate-degraded")));
        }
        var beyond = await CallAsync(1, key); // the key's allowance is used up
        Assert.Equal((Code.OverLimit, "cluster_unavailable"), (beyond.OverallCode, Error(beyond).GetProperty("code").GetString()));
        Assert.Equal(Code.OverLimit, (await CallAsync(1, neverSeen)).OverallCode); // a key this gateway never saw verified

        Volatile.Write(ref down, false);
        var back = await CallAsync(1, key);
        Assert.Equal(Code.Ok, back.OverallCode);
        Assert.Null(Header(back, "x-tollgate-degraded"));
    }
}
