using System.Net;
using System.Net.Sockets;

namespace Tollgate.Grains.Metering;

/// <summary>
/// The key a caller IP is limited under: an IPv4 address as it is, an IPv6 address by its /64
/// (by default): one host usually owns a whole /64, so per-address limits would be trivial to dodge.
/// IPv4-mapped IPv6 addresses count as their IPv4 address.
/// </summary>
public static class CallerAddress
{
    public static bool TryGetLimitKey(string? text, int ipv6PrefixBits, out string key)
    {
        key = "";
        if (ipv6PrefixBits is < 1 or > 128 || !IPAddress.TryParse(text, out var address)) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            key = address.ToString();
            return true;
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        for (var bit = ipv6PrefixBits; bit < 128; bit++) bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        key = $"{new IPAddress(bytes)}/{ipv6PrefixBits}";
        return true;
    }

    /// <summary>
    /// The client's address behind proxies: walking X-Forwarded-For from the right, skip hops that are
    /// trusted proxies; the first untrusted hop is the client. The leftmost value is whatever the client
    /// wrote, so it is trusted only when every hop to its right is a trusted proxy.
    /// </summary>
    public static IPAddress ClientOf(IPAddress peer, string? forwardedFor, Func<IPAddress, bool> isTrustedProxy)
    {
        if (peer.IsIPv4MappedToIPv6) peer = peer.MapToIPv4();
        if (string.IsNullOrWhiteSpace(forwardedFor) || !isTrustedProxy(peer)) return peer;
        var client = peer;
        foreach (var hop in forwardedFor.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Reverse())
        {
            if (!IPAddress.TryParse(hop, out var address)) return client; // garbage: stop at the last address we could trust
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            client = address;
            if (!isTrustedProxy(address)) return address;
        }
        return client;
    }
}
