using System.Net;
using System.Text.RegularExpressions;
using Envoy.Service.Ratelimit.V3;
using Grpc.Core;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Envoy.EnvoyCluster;
using static Tollgate.Tests.Infrastructure.MeteringCalls;
using Code = Envoy.Service.Ratelimit.V3.RateLimitResponse.Types.Code;
using Unit = Envoy.Service.Ratelimit.V3.RateLimitResponse.Types.RateLimit.Types.Unit;

namespace Tollgate.Tests.Envoy;

/// <summary>
/// Envoy's rate-limit service (gRPC ShouldRateLimit) against a cluster of two silos and two gateways: descriptors counted at the
/// grains the metering API's authorize uses, with the statuses and headers Envoy reads. Each case works on ids of its own.
/// </summary>
public sealed class EnvoyRateLimitTests(EnvoyCluster envoy) : IClassFixture<EnvoyCluster>
{
    private TestCluster Cluster => envoy.Cluster;

    [Theory]
    [InlineData("ip")]
    [InlineData("key")]
    [InlineData("model")]
    [InlineData("account")]
    public async Task Requests_and_tokens_count_at_the_scope_a_descriptor_names_in_the_same_windows_as_an_authorize(string scope)
    {
        var ids = await IdsAsync();
        var (descriptorKey, value, path) = scope switch
        {
            "ip" => ("remote_address", ids.Ip, $"/admin/ips/{ids.Ip}/limits"),
            "key" => ("api_key", $"Bearer {ids.Key}", $"/admin/keys/{ids.KeyId}/limits"),
            "model" => ("model", ids.Model, $"/admin/models/{ids.Model}/limits"),
            _ => ("account", ids.Account, $"/admin/accounts/{ids.Account}/limits"),
        };
        await envoy.SetLimitsAsync(path, """{"requests_per_minute":3,"tokens_per_minute":100}""");

        for (var i = 1; i <= 3; i++)
        {
            var allowed = await envoy.CallAsync(Request(Descriptor(descriptorKey, value)), gateway: i % 2);
            Assert.Equal(Code.Ok, allowed.OverallCode);
            var status = Assert.Single(allowed.Statuses);
            Assert.Equal((Code.Ok, 3u, Unit.Minute, $"{scope}.requests_per_minute", (uint)(3 - i)),
                (status.Code, status.CurrentLimit.RequestsPerUnit, status.CurrentLimit.Unit, status.CurrentLimit.Name, status.LimitRemaining));
        }
        var over = await envoy.CallAsync(Request(Descriptor(descriptorKey, value)));
        Assert.Equal((Code.OverLimit, Code.OverLimit), (over.OverallCode, over.Statuses[0].Code));
        // The metering API's authorize reads the same window: it is used up there too.
        var authorize = await AuthorizeAsync(Cluster.Metering, $"req-{Guid.NewGuid():N}", apiKey: scope == "account" ? null : ids.Key,
            account: scope == "account" ? ids.Account : null, ip: scope == "ip" ? ids.Ip : "203.0.113.250", model: ids.Model);
        Assert.Equal(("rate_limited", $"{scope}.requests_per_minute"), (Reason(authorize), authorize.GetProperty("limit").GetString()));

        // Tokens (hits_addend): a charge, counted whole even past the limit; then a check of zero hits finds nothing left.
        var tokens = await envoy.CallAsync(Request(Descriptor($"{descriptorKey}_tokens", value, hits: 60)));
        Assert.Equal((Code.Ok, $"{scope}.tokens_per_minute", 40u), (tokens.OverallCode, tokens.Statuses[0].CurrentLimit.Name, tokens.Statuses[0].LimitRemaining));
        var past = await envoy.CallAsync(Request(Descriptor($"{descriptorKey}_tokens", value, hits: 60)), gateway: 1);
        Assert.Equal((Code.OverLimit, 0u), (past.OverallCode, past.Statuses[0].LimitRemaining));
        var check = await envoy.CallAsync(Request(Descriptor($"{descriptorKey}_tokens", value, hits: 0)));
        Assert.Equal(Code.OverLimit, check.OverallCode);
        Assert.Equal((0L, 0L), (await envoy.RemainingAsync(path, "requests_per_minute"), await envoy.RemainingAsync(path, "tokens_per_minute")));
    }

    [Theory]
    [InlineData("requests")]
    [InlineData("tokens")]
    public async Task Of_200_concurrent_calls_through_two_gateways_exactly_the_limit_is_OK(string unit)
    {
        var ids = await IdsAsync();
        const int limit = 20;
        if (unit == "requests") await envoy.SetLimitsAsync($"/admin/keys/{ids.KeyId}/limits", $$"""{"requests_per_minute":{{limit}}}""");
        else await envoy.SetLimitsAsync($"/admin/models/{ids.Model}/limits", $$"""{"tokens_per_minute":{{limit * 50}}}""");

        // Each call from an address of its own (IPs have no limits here), alternating between the gateways.
        var answers = await Task.WhenAll(Enumerable.Range(0, 10 * limit).Select(i => Task.Run(() => envoy.CallAsync(
            unit == "requests"
                ? Request(Descriptor("remote_address", $"10.20.{i / 250}.{i % 250}"), Descriptor("api_key", ids.Key))
                : Request(Descriptor("remote_address", $"10.21.{i / 250}.{i % 250}"), Descriptor("model_tokens", ids.Model, hits: 50)),
            gateway: i % 2))));

        Assert.Equal(limit, answers.Count(answer => answer.OverallCode == Code.Ok));
        Assert.All(answers.Where(answer => answer.OverallCode == Code.OverLimit), answer =>
        {
            Assert.Equal((Code.Ok, Code.OverLimit), (answer.Statuses[0].Code, answer.Statuses[1].Code));
            Assert.Equal(0u, answer.Statuses[1].LimitRemaining);
        });
        var (path, name) = unit == "requests" ? ($"/admin/keys/{ids.KeyId}/limits", "requests_per_minute") : ($"/admin/models/{ids.Model}/limits", "tokens_per_minute");
        Assert.Equal(0, await envoy.RemainingAsync(path, name));
    }

    [Fact]
    public async Task An_answer_has_a_status_per_descriptor_in_order_and_the_proxys_rate_limit_headers()
    {
        var ids = await IdsAsync();
        await envoy.SetLimitsAsync($"/admin/ips/{ids.Ip}/limits", """{"requests_per_minute":100}""");
        await envoy.SetLimitsAsync($"/admin/keys/{ids.KeyId}/limits", """{"requests_per_minute":5,"tokens_per_minute":1000}""");
        var request = Request(Descriptor("remote_address", ids.Ip), Descriptor("api_key", $"Bearer {ids.Key}"), Descriptor("model", ids.Model),
            Descriptor("generic_key", "not-tollgates"));

        var ok = await envoy.CallAsync(request);
        Assert.Equal(Code.Ok, ok.OverallCode);
        Assert.Equal(4, ok.Statuses.Count);
        Assert.Equal(("ip.requests_per_minute", 100u, 99u), (ok.Statuses[0].CurrentLimit.Name, ok.Statuses[0].CurrentLimit.RequestsPerUnit, ok.Statuses[0].LimitRemaining));
        Assert.Equal(("key.requests_per_minute", 5u, 4u), (ok.Statuses[1].CurrentLimit.Name, ok.Statuses[1].CurrentLimit.RequestsPerUnit, ok.Statuses[1].LimitRemaining));
        Assert.InRange(ok.Statuses[1].DurationUntilReset.ToTimeSpan(), TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(61)); // until the request leaves the window
        Assert.All(ok.Statuses.Skip(2), status => Assert.Equal((Code.Ok, null), (status.Code, status.CurrentLimit))); // a model without limits; a descriptor not Tollgate's
        // The tightest limits of every scope asked, as the proxy names and writes them.
        Assert.Equal(("5", "4", "1000", "1000", "0ms"), (Header(ok, "x-ratelimit-limit-requests"), Header(ok, "x-ratelimit-remaining-requests"),
            Header(ok, "x-ratelimit-limit-tokens"), Header(ok, "x-ratelimit-remaining-tokens"), Header(ok, "x-ratelimit-reset-tokens")));
        Assert.Matches(new Regex(@"^(\d+m)?\d+(\.\d+)?s$"), Header(ok, "x-ratelimit-reset-requests")); // OpenAI's format: 59.4s, 1m0.5s
        Assert.Null(Header(ok, "retry-after"));
        Assert.True(ok.RawBody.IsEmpty);

        await envoy.SetLimitsAsync($"/admin/models/{ids.Model}/limits", """{"requests_per_minute":1}""");
        Assert.Equal(Code.Ok, (await envoy.CallAsync(request)).OverallCode);
        var over = await envoy.CallAsync(request, gateway: 1);
        Assert.Equal(Code.OverLimit, over.OverallCode);
        Assert.Equal([Code.Ok, Code.Ok, Code.OverLimit, Code.Ok], over.Statuses.Select(status => status.Code));
        Assert.Equal(("model.requests_per_minute", 0u), (over.Statuses[2].CurrentLimit.Name, over.Statuses[2].LimitRemaining));
        Assert.InRange(over.Statuses[2].DurationUntilReset.ToTimeSpan(), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(61)); // when it fits again
        Assert.True(int.Parse(Header(over, "retry-after")!) >= 1);
        Assert.True(long.Parse(Header(over, "retry-after-ms")!) > 0);
        Assert.Equal("application/json", Header(over, "content-type"));
        var error = Error(over);
        Assert.Equal(("rate_limit_exceeded", "requests"), (error.GetProperty("code").GetString(), error.GetProperty("type").GetString()));
        // As an authorize: the refused request gave back what the key counted, and the caller IP keeps it.
        Assert.Equal(3, await envoy.RemainingAsync($"/admin/keys/{ids.KeyId}/limits", "requests_per_minute"));
        Assert.Equal(97, await envoy.RemainingAsync($"/admin/ips/{ids.Ip}/limits", "requests_per_minute"));

        // A value that names no grain of its scope is refused without asking it; the caller IP still counts the request.
        var invalid = await envoy.CallAsync(Request(Descriptor("remote_address", ids.Ip), Descriptor("api_key", "Bearer sk-not-a-tollgate-key")));
        Assert.Equal([Code.Ok, Code.OverLimit], invalid.Statuses.Select(status => status.Code));
        Assert.Equal("invalid_api_key", Error(invalid).GetProperty("code").GetString());
        Assert.Null(Header(invalid, "retry-after")); // waiting does not help
        Assert.Equal(96, await envoy.RemainingAsync($"/admin/ips/{ids.Ip}/limits", "requests_per_minute"));
    }

    [Fact]
    public async Task A_key_is_verified_by_its_secret_and_its_models_as_the_proxy_verifies_it()
    {
        var ids = await IdsAsync();
        await envoy.SetLimitsAsync($"/admin/keys/{ids.KeyId}/limits", """{"requests_per_minute":5}""");
        await AdminAsync(Cluster.Admin, HttpMethod.Put, $"/admin/keys/{ids.KeyId}/models", $$"""{"models":["{{ids.Model}}"]}""");
        async Task<string> RefusalAsync(string key, string model)
        {
            var answer = await envoy.CallAsync(Request(Descriptor("api_key", key), Descriptor("model", model)));
            Assert.Equal((Code.OverLimit, Code.OverLimit), (answer.OverallCode, answer.Statuses[0].Code));
            return Error(answer).GetProperty("code").GetString()!;
        }

        // The key's id with another secret: the id is not secret, so it is not enough.
        Assert.Equal("invalid_api_key", await RefusalAsync($"tg_{ids.KeyId}_{new string('x', 43)}", ids.Model));
        Assert.Equal("model_not_allowed", await RefusalAsync(ids.Key, "another-model"));
        Assert.Equal(5, await envoy.RemainingAsync($"/admin/keys/{ids.KeyId}/limits", "requests_per_minute")); // neither counted
        Assert.Equal(Code.Ok, (await envoy.CallAsync(Request(Descriptor("api_key", ids.Key), Descriptor("model", ids.Model)))).OverallCode);
        await AdminAsync(Cluster.Admin, HttpMethod.Post, $"/admin/keys/{ids.KeyId}/revoke", "{}");
        Assert.Equal("key_revoked", await RefusalAsync(ids.Key, ids.Model));
    }

    [Fact]
    public async Task A_domain_maps_its_own_descriptor_keys_and_prefixes_the_model_it_names()
    {
        var model = SharedCluster.UniqueId("gpt");
        await envoy.SetLimitsAsync($"/admin/models/fleet%2F{model}/limits", """{"tokens_per_minute":100}""");

        var charged = await envoy.CallAsync(Request("fleet", Descriptor("x-ai-eg-model", model, hits: 70)));
        Assert.Equal(("model.tokens_per_minute", 30u), (charged.Statuses[0].CurrentLimit.Name, charged.Statuses[0].LimitRemaining));
        Assert.Equal(30, await envoy.RemainingAsync($"/admin/models/fleet%2F{model}/limits", "tokens_per_minute"));
        // The default domain does not know that key: answered OK, counted nowhere.
        var unmapped = await envoy.CallAsync(Request(Descriptor("x-ai-eg-model", model, hits: 70)));
        Assert.Equal((Code.Ok, null), (unmapped.Statuses[0].Code, unmapped.Statuses[0].CurrentLimit));
        Assert.Equal(30, await envoy.RemainingAsync($"/admin/models/fleet%2F{model}/limits", "tokens_per_minute"));
    }

    [Fact]
    public async Task A_malformed_or_unauthenticated_request_is_a_grpc_error_and_counts_nothing()
    {
        var ids = await IdsAsync();
        var path = $"/admin/keys/{ids.KeyId}/limits";
        await envoy.SetLimitsAsync(path, """{"requests_per_minute":5,"tokens_per_minute":1000}""");
        var key = Descriptor("api_key", ids.Key);
        var huge = Request(key);
        huge.HitsAddend = 100_000_001; // more than any request's tokens (Price.MaxTokens); uint32 on the wire: never negative
        var tooMany = Request([.. Enumerable.Range(0, 65).Select(_ => Descriptor("api_key", ids.Key))]);
        var noEntries = Request(key, new global::Envoy.Extensions.Common.Ratelimit.V3.RateLimitDescriptor());
        RateLimitRequest[] malformed =
        [
            Request("no-such-domain", key), Request(), noEntries, huge, Request(key, Descriptor("api_key_tokens", ids.Key, hits: ulong.MaxValue)), tooMany,
        ];
        foreach (var request in malformed)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => envoy.CallAsync(request));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        }
        foreach (var token in (string?[])[null, "not-the-token"])
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => envoy.CallAsync(Request(key), token: token));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }
        Assert.Equal((5L, 1000L), (await envoy.RemainingAsync(path, "requests_per_minute"), await envoy.RemainingAsync(path, "tokens_per_minute")));
        Assert.Equal(Code.Ok, (await envoy.CallAsync(Request(key))).OverallCode); // and the same descriptor, well formed, counts
        Assert.Equal(4, await envoy.RemainingAsync(path, "requests_per_minute"));
    }

    [Fact]
    public async Task The_service_answers_only_on_its_own_http2_port_and_the_api_stays_http1()
    {
        using var health = await Cluster.Gateway.GetAsync("/health");
        Assert.Equal((HttpStatusCode.OK, HttpVersion.Version11), (health.StatusCode, health.Version));
        // On the API's port the service is not there (an HTTP/1.1 endpoint: Envoy's prior-knowledge HTTP/2 fails).
        var onApiPort = await Assert.ThrowsAsync<RpcException>(() => envoy.Client(Cluster.GatewayAddress().Port).ShouldRateLimitAsync(Request(), Token(TestCluster.ServiceToken)).ResponseAsync);
        Assert.NotEqual(StatusCode.InvalidArgument, onApiPort.StatusCode);
        // On the service's port the API is not there.
        using var h2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var api = await h2.GetAsync($"http://127.0.0.1:{envoy.Ports[0]}/health");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Contains("\"not_found\"", await api.Content.ReadAsStringAsync()); // the API's JSON error, as on an unknown path
    }

    private static int _nextIp;

    private sealed record ScopeIds(string Account, string KeyId, string Key, string Model, string Ip);

    /// <summary>An account with credit and a key, a priced model and a caller IP, all this case's own.</summary>
    private async Task<ScopeIds> IdsAsync()
    {
        var account = SharedCluster.UniqueId("acct");
        await CreateAccountAsync(Cluster.Admin, account, 1_000_000_000_000);
        var (keyId, key) = await CreateKeyAsync(Cluster.Admin, account);
        var model = SharedCluster.UniqueId("model");
        await SetPriceAsync(Cluster.Admin, model, 1_000_000, 1_000_000);
        var n = Interlocked.Increment(ref _nextIp);
        var ip = $"198.51.{n / 250}.{n % 250 + 1}";
        return new ScopeIds(account, keyId, key, model, ip);
    }
}
