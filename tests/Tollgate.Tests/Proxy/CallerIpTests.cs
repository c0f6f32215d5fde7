using System.Net;
using Tollgate.Gateway.Proxy;

namespace Tollgate.Tests.Proxy;

/// <summary>Which address a proxied request is limited and recorded under.</summary>
public sealed class CallerIpTests
{
    private static readonly IPAddress Peer = IPAddress.Parse("10.0.0.5");

    [Fact]
    public void Without_trusted_proxies_the_peer_is_the_caller_whatever_the_header_says() =>
        Assert.Equal(Peer, new CallerIp([]).Resolve(Peer, ["203.0.113.9"]));

    [Fact]
    public void An_untrusted_peer_is_the_caller() =>
        Assert.Equal(Peer, new CallerIp(["192.168.0.0/16"]).Resolve(Peer, ["203.0.113.9"]));

    [Theory]
    [InlineData("203.0.113.9", "203.0.113.9")]
    [InlineData("198.51.100.1, 203.0.113.9", "203.0.113.9")]            // left of the first untrusted hop is the caller's own say
    [InlineData("198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9")]  // trusted hops are skipped from the right
    [InlineData("garbage, 203.0.113.9", "203.0.113.9")]
    [InlineData("203.0.113.9, garbage", "10.0.0.5")]                     // an unreadable hop a trusted proxy wrote: stop at the last known
    [InlineData("2001:db8::1", "2001:db8::1")]
    public void Through_trusted_proxies_the_right_most_untrusted_hop_is_the_caller(string header, string expected) =>
        Assert.Equal(IPAddress.Parse(expected), new CallerIp(["10.0.0.0/8"]).Resolve(Peer, [header]));

    [Fact]
    public void Several_headers_read_as_one_list_in_order() =>
        Assert.Equal(IPAddress.Parse("198.51.100.1"), new CallerIp(["10.0.0.0/8"]).Resolve(Peer, ["203.0.113.9", "198.51.100.1, 10.1.1.1"]));

    [Fact]
    public void When_every_hop_is_trusted_the_left_most_is_the_caller() =>
        Assert.Equal(IPAddress.Parse("10.1.1.1"), new CallerIp(["10.0.0.0/8"]).Resolve(Peer, ["10.1.1.1, 10.2.2.2"]));

    [Fact]
    public void Ipv4_peers_of_a_dual_stack_socket_match_ipv4_ranges() =>
        Assert.Equal(IPAddress.Parse("203.0.113.9"), new CallerIp(["10.0.0.5"]).Resolve(Peer.MapToIPv6(), ["203.0.113.9"]));

    [Fact]
    public void A_trusted_proxy_that_is_not_an_address_is_a_configuration_error() =>
        Assert.Throws<InvalidOperationException>(() => new CallerIp(["10.0.0.0/33"]));
}
