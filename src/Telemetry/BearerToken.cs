using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Tollgate.Telemetry;

/// <summary>
/// A configured secret that callers present (the admin, metering service or metrics token): kept only as its SHA-256, and
/// compared in constant time whatever the lengths. With none configured, nothing matches. It is checked on every metering
/// call, so a check allocates nothing. Neither the token nor its hash is ever logged.
/// </summary>
public sealed class BearerToken(string? token)
{
    private const string Scheme = "Bearer ";
    private const int StackBytes = 512;

    private readonly byte[]? _hash = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>Whether a token is configured (else every check fails).</summary>
    public bool IsConfigured => _hash is not null;

    /// <summary>What an <c>Authorization</c> header presents: the token, another one, or no bearer token at all.</summary>
    public Presented Check(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return Presented.Nothing;
        return Matches(authorization.AsSpan(Scheme.Length).Trim()) ? Presented.Token : Presented.Wrong;
    }

    /// <summary>Whether <paramref name="presented"/> is the token.</summary>
    public bool Matches(ReadOnlySpan<char> presented)
    {
        if (_hash is null || presented.IsEmpty) return false;
        var length = Encoding.UTF8.GetMaxByteCount(presented.Length);
        var rented = length > StackBytes ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            Span<byte> utf8 = rented is null ? stackalloc byte[StackBytes] : rented;
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(presented, utf8)], hash);
            return CryptographicOperations.FixedTimeEquals(hash, _hash);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
    }

    public enum Presented
    {
        /// <summary>No <c>Authorization: Bearer …</c> header.</summary>
        Nothing,

        /// <summary>A bearer token that is not the configured one (or none is configured).</summary>
        Wrong,

        /// <summary>The configured token.</summary>
        Token,
    }
}
