using System.Security.Cryptography;
using System.Text;
using Tollgate.Telemetry;

namespace Tollgate.Gateway.Operator;

/// <summary>
/// Checks a token typed into the sign-in form against <c>Admin:Token</c> (see <see cref="BearerToken"/>). With no token configured
/// nobody can sign in. <see cref="SessionStamp"/> ties a session to the token it was opened with: rotating the token
/// ends every session. Neither the token nor its hash is ever logged.
/// </summary>
public sealed class AdminTokenCheck(string? token)
{
    public const string StampClaim = "tollgate:token-stamp";

    private readonly BearerToken _token = new(token);

    public bool Configured => _token.IsConfigured;

    /// <summary>Identifies the configured token without revealing it (a salted hash), for the session cookie.</summary>
    public string SessionStamp { get; } = token is { Length: > 0 } ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("tollgate-operator-session:" + token)))[..32] : "";

    public bool Matches(string? presented) =>
        presented is { Length: <= 1024 } && _token.Matches(presented);
}
