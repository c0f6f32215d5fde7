using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.FakeUpstream;

namespace Tollgate.Tests.Infrastructure;

/// <summary>The fake upstream as a gateway's provider <c>fake</c>, on a free loopback port.</summary>
public sealed class FakeProvider : IAsyncDisposable
{
    private const string ProviderKey = "fake-provider-secret";
    private readonly WebApplication _fake;

    private FakeProvider(WebApplication fake) => _fake = fake;

    /// <summary>The fake's base address (its /fake endpoints), for clients in other processes.</summary>
    public Uri Address => new(_fake.Urls.First());

    /// <summary>The provider that reaches this fake through Anthropic's Messages API (<c>Kind</c> <c>anthropic</c>).</summary>
    public const string AnthropicProvider = "fake-anthropic";

    /// <summary>
    /// The settings that make a gateway's provider <c>fake</c> this one, and its provider <see cref="AnthropicProvider"/> this
    /// one as Anthropic's API (the fake takes the same key in <c>x-api-key</c>).
    /// </summary>
    public string[] GatewaySettings =>
    [
        $"--Proxy:Providers:fake:BaseUrl={Address}v1", $"--Proxy:Providers:fake:ApiKey={ProviderKey}",
        $"--Proxy:Providers:{AnthropicProvider}:BaseUrl={Address}v1", $"--Proxy:Providers:{AnthropicProvider}:ApiKey={ProviderKey}",
        $"--Proxy:Providers:{AnthropicProvider}:Kind=anthropic",
    ];

    /// <summary>What the fake received (what the proxy forwarded).</summary>
    public ReceivedRequests Received => _fake.Services.GetRequiredService<ReceivedRequests>();

    /// <summary>Where streams sent with <c>"fake":{"hold":"name"}</c> wait after their first event.</summary>
    public FakeGates Gates => _fake.Services.GetRequiredService<FakeGates>();

    public static async Task<FakeProvider> StartAsync()
    {
        var fake = FakeUpstreamApp.Build([$"--Urls=http://127.0.0.1:{FreePort.Loopback()}", $"--FakeUpstream:ApiKey={ProviderKey}", "--Logging:LogLevel:Default=Warning"]);
        await fake.StartAsync();
        return new FakeProvider(fake);
    }

    public async ValueTask DisposeAsync()
    {
        await _fake.StopAsync();
        await _fake.DisposeAsync();
    }
}
