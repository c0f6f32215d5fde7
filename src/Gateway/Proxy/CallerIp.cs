using System.Net;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// The address a request is limited and recorded under: the connection's peer, unless the peer is a
/// trusted proxy, in which case the right-most <c>X-Forwarded-For</c> hop that is not one. Everything left
/// of that hop was written by the caller and proves nothing; a hop that does not parse stops the walk there.
/// </summary>
public sealed class CallerIp
{
    private readonly IPNetwork[] _trusted;

    public CallerIp(IEnumerable<string> trustedProxies) => _trusted = [.. trustedProxies.Select(Parse)];

    public IPAddress Resolve(IPAddress? peer, IEnumerable<string?> forwardedFor)
    {
        var caller = Normal(peer ?? IPAddress.IPv6None);
        if (_trusted.Length == 0 || !IsTrusted(caller)) return caller;
        foreach (var header in forwardedFor.Reverse())
        {
            foreach (var hop in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                if (!IPAddress.TryParse(hop, out var address)) return caller;
                caller = Normal(address);
                if (!IsTrusted(caller)) return caller;
            }
        }
        return caller;
    }

    /// <summary>Whether the connection's peer is a trusted proxy, whose forwarded headers are believed.</summary>
    public bool Trusts(IPAddress? peer) => peer is not null && IsTrusted(Normal(peer));

    private bool IsTrusted(IPAddress address) => _trusted.Any(network => network.Contains(address));

    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    private static IPAddress Normal(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static IPNetwork Parse(string entry)
    {
        if (IPNetwork.TryParse(entry, out var network)) return network;
        if (IPAddress.TryParse(entry, out var address)) return new IPNetwork(Normal(address), Normal(address).GetAddressBytes().Length * 8);
        throw new InvalidOperationException($"Proxy:TrustedProxies: '{entry}' is neither an IP address nor a CIDR range.");
    }
}
