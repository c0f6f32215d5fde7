using System.Net;
using Tollgate.Grains.Metering;

namespace Tollgate.Tests.Metering;

public sealed class MeteringPrimitivesTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void Callers_are_limited_per_ipv4_address_and_per_ipv6_64(string address, string key)
    {
        Assert.True(CallerAddress.TryGetLimitKey(address, 64, out var actual));
        Assert.Equal(key, actual);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-ip")]
    [InlineData("999.1.1.1")]
    public void Garbage_is_not_an_address(string address) => Assert.False(CallerAddress.TryGetLimitKey(address, 64, out _));

    [Fact]
    public void The_client_is_the_rightmost_untrusted_hop_and_only_a_trusted_proxy_is_believed()
    {
        var proxy = IPAddress.Parse("10.0.0.2");
        bool Trusted(IPAddress a) => a.Equals(proxy) || a.Equals(IPAddress.Parse("10.0.0.3"));
        // The client wrote 1.1.1.1 itself; 198.51.100.9 is what our first proxy saw.
        Assert.Equal(IPAddress.Parse("198.51.100.9"), CallerAddress.ClientOf(proxy, "1.1.1.1, 198.51.100.9, 10.0.0.3", Trusted));
        // A header from a peer that is not a trusted proxy is ignored.
        Assert.Equal(IPAddress.Parse("198.51.100.77"), CallerAddress.ClientOf(IPAddress.Parse("198.51.100.77"), "1.1.1.1", Trusted));
        Assert.Equal(proxy, CallerAddress.ClientOf(proxy, null, Trusted));
    }

    [Fact]
    public void Cost_rounds_up_to_a_whole_nano_usd_and_never_overflows()
    {
        var cheap = new Price(InputPerMillion: 20_000_000, OutputPerMillion: 80_000_000); // $0.02 / $0.08 per 1M tokens
        Assert.Equal(20, cheap.Cost(1, 0)); // one token at $0.02 per 1M tokens is 20 nano-USD
        Assert.Equal(1, new Price(100, 0).Cost(1, 0)); // 0.0001 nano-USD, rounded up: never free
        Assert.Equal(20_000_000 + 80_000_000, cheap.Cost(1_000_000, 1_000_000));
        Assert.Equal(0, cheap.Cost(0, 0));
        var pricey = new Price(15_000_000_000, 75_000_000_000); // $15 / $75 per 1M
        Assert.Equal(15_000_000_000L * 100 + 75_000_000_000L * 100, pricey.Cost(100_000_000, 100_000_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => pricey.Cost(Price.MaxTokens + 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Price(long.MaxValue / 2, 0).Cost(Price.MaxTokens, 0));
    }
}
