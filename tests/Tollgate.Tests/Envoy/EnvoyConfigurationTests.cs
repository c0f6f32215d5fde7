using Tollgate.Gateway;

namespace Tollgate.Tests.Envoy;

/// <summary>Every Envoy setting is checked when the gateway is built: a mistake stops it with a message naming the setting.</summary>
public sealed class EnvoyConfigurationTests
{
    private static readonly string[] Base = ["--Urls=http://127.0.0.1:7000", "--Postgres:ConnectionString=Host=127.0.0.1;Port=1", "--Metering:ServiceToken=token"];

    [Theory]
    [InlineData("Metering:ServiceToken is empty", "--Envoy:Port=7001", "--Metering:ServiceToken=")]
    [InlineData("Envoy:Port must be a TCP port", "--Envoy:Port=70000")]
    [InlineData("Envoy:Port 7000 is a port of the gateway's Urls", "--Envoy:Port=7000")]
    [InlineData("Envoy:Domains:d:Descriptors:k:Scope must be one of", "--Envoy:Port=7001", "--Envoy:Domains:d:Descriptors:k:Unit=Tokens")]
    [InlineData("Envoy:Domains:d:Descriptors:k:Scope must be one of Ip, Key, Model, Account; got 'Galaxy'", "--Envoy:Port=7001", "--Envoy:Domains:d:Descriptors:k:Scope=Galaxy")]
    [InlineData("Envoy:Domains:d:Descriptors:k:Unit must be one of Requests, Tokens; got 'Bytes'", "--Envoy:Port=7001",
        "--Envoy:Domains:d:Descriptors:k:Scope=Key", "--Envoy:Domains:d:Descriptors:k:Unit=Bytes")]
    [InlineData("'Prot'", "--Envoy:Port=7001", "--Envoy:Prot=7002")]
    [InlineData("Envoy:Domains:d:Descriptors:k:Prefix applies to Model and Account scopes only", "--Envoy:Port=7001",
        "--Envoy:Domains:d:Descriptors:k:Scope=Ip", "--Envoy:Domains:d:Descriptors:k:Prefix=x")]
    [InlineData("Envoy:Domains:d:Descriptors:k:Prefix must be at most 64 characters", "--Envoy:Port=7001",
        "--Envoy:Domains:d:Descriptors:k:Scope=Account", "--Envoy:Domains:d:Descriptors:k:Prefix=a/b")]
    public void A_gateway_with_a_mistaken_Envoy_setting_does_not_start_and_names_it(string named, params string[] settings)
    {
        var failure = Assert.Throws<InvalidOperationException>(() => GatewayApp.Build([.. Base, .. settings]));
        Assert.True(failure.ToString().Contains(named, StringComparison.Ordinal), failure.ToString());
    }

    [Fact]
    public async Task Without_a_service_token_the_service_starts_only_when_told_it_needs_none()
    {
        await using var app = GatewayApp.Build([.. Base, "--Envoy:Port=7001", "--Metering:ServiceToken=", "--Envoy:RequireServiceToken=false"]);
        Assert.NotNull(app);
    }
}
