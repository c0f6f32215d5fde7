using System.Security.Cryptography;
using System.Text;

namespace Tollgate.Grains.Keys;

// Messages of the API key grain, keyed by the key's public id. The secret part of a key is never
// stored or sent to a silo: only its SHA-256 (secrets are 256 random bits, so a fast hash suffices).

[GenerateSerializer, Immutable]
public sealed record CreateApiKey([property: Id(0)] string AccountId, [property: Id(1)] string SecretHash, [property: Id(2)] string Name, [property: Id(3)] string Actor);

[GenerateSerializer, Immutable]
public sealed record RevokeApiKey([property: Id(0)] string Actor);

/// <summary>Checks a presented secret (by hash) in constant time; answers which account it belongs to.</summary>
[GenerateSerializer, Immutable]
public sealed record VerifyApiKey([property: Id(0)] string SecretHash);

/// <param name="Models">The models the key may use (see <see cref="ModelAccess"/>); null: every model.</param>
[GenerateSerializer]
public sealed record ApiKeyView(
    [property: Id(0)] string KeyId, [property: Id(1)] string AccountId, [property: Id(2)] string Name, [property: Id(3)] bool Revoked, [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset? RevokedAt, [property: Id(6)] Limits.LimitSettings Limits, [property: Id(7)] IReadOnlyList<string>? Models = null);

/// <param name="Models">The models the key may use, for <c>GET /v1/models</c> (in the same call as the check); null: every model.</param>
[GenerateSerializer]
public sealed record ApiKeyCheck([property: Id(0)] bool Valid, [property: Id(1)] bool Revoked, [property: Id(2)] string? AccountId, [property: Id(3)] IReadOnlyList<string>? Models = null);

/// <summary>Replaces the models a key may use (see <see cref="ModelAccess"/>); null: every model.</summary>
[GenerateSerializer, Immutable]
public sealed record SetKeyModels([property: Id(0)] IReadOnlyList<string>? Models, [property: Id(1)] string Actor);

/// <param name="Models">The patterns; null: every model.</param>
/// <param name="UpdatedBy">Who set them last (null if never set).</param>
[GenerateSerializer]
public sealed record KeyModelsView([property: Id(0)] string KeyId, [property: Id(1)] IReadOnlyList<string>? Models, [property: Id(2)] string? UpdatedBy, [property: Id(3)] DateTimeOffset? UpdatedAt);

public static class ApiKeyErrors
{
    public const string NotFound = "key_not_found";
    public const string Exists = "key_exists";
    public const string InvalidModelPattern = "invalid_model_pattern";
}

/// <summary>The API key format: <c>tg_{keyId}_{secret}</c>, with a 16-hex-digit public id and a 43-character base64url secret.</summary>
public static class ApiKeyFormat
{
    public const string Prefix = "tg_";

    public static (string KeyId, string Key, string SecretHash) NewKey()
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (keyId, $"{Prefix}{keyId}_{secret}", HashSecret(secret));
    }

    /// <summary>Splits a presented key into its id and the hash of its secret; false if it is not a Tollgate key.</summary>
    public static bool TryParse(string? key, out string keyId, out string secretHash)
    {
        keyId = secretHash = "";
        if (key is null || key.Length != Prefix.Length + 16 + 1 + 43 || !key.StartsWith(Prefix, StringComparison.Ordinal) || key[Prefix.Length + 16] != '_')
            return false;
        keyId = key.Substring(Prefix.Length, 16);
        if (!keyId.All(char.IsAsciiHexDigitLower)) return false;
        secretHash = HashSecret(key[(Prefix.Length + 17)..]);
        return true;
    }

    public static bool IsKeyId(string? keyId) => keyId is { Length: 16 } && keyId.All(char.IsAsciiHexDigitLower);

    private static string HashSecret(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
