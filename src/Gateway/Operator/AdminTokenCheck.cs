using System.Security.Cryptography;
using System.Text;

namespace Tollgate.Gateway.Operator;

/// <summary>
/// Checks a token typed into the sign-in form against <c>Admin:Token</c>, in constant time. With no token configured
/// nobody can sign in. <see cref="SessionStamp"/> ties a session to the token it was opened with: rotating the token
/// ends every session. Neither the token nor its hash is ever logged.
/// </summary>
public sealed class AdminTokenCheck(string? token)
{
    public const string StampClaim = "tollgate:token-stamp";

    private readonly byte[]? _expected = Hash(token);

    public bool Configured => _expected is not null;

    /// <summary>Identifies the configured token without revealing it (a salted hash), for the session cookie.</summary>
    public string SessionStamp { get; } = token is { Length: > 0 } ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("tollgate-operator-session:" + token)))[..32] : "";

    public bool Matches(string? presented) =>
        _expected is not null && presented is { Length: > 0 and <= 1024 } && CryptographicOperations.FixedTimeEquals(Hash(presented)!, _expected);

    // Hashing first makes the comparison constant-time regardless of the tokens' lengths.
    private static byte[]? Hash(string? token) => string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
