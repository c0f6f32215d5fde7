using System.Collections.Concurrent;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// The account of each key this gateway saw its grain admit, with the hash of the secret it was admitted with. A key's
/// account never changes, so this needs no invalidation; it only lets the <see cref="Authorizer"/> ask the account at the
/// same time as the key instead of after it. Only the secret the key's grain accepted finds the account here, so a caller who
/// knows a key's id but not its secret cannot make the gateway touch that account. Bounded: callers choose key ids.
/// </summary>
internal sealed class KeyAccounts
{
    private const int MaxRemembered = 100_000;

    private readonly ConcurrentDictionary<string, (string SecretHash, string AccountId)> _keys = new(StringComparer.Ordinal);

    /// <summary>The account of the key, if this gateway saw its grain accept this secret; else null.</summary>
    public string? AccountOf(string keyId, string secretHash) =>
        _keys.TryGetValue(keyId, out var known) && known.SecretHash == secretHash ? known.AccountId : null;

    /// <summary>The key's grain accepted <paramref name="secretHash"/>: the key belongs to <paramref name="accountId"/>.</summary>
    public void Admitted(string keyId, string secretHash, string accountId)
    {
        if (_keys.Count < MaxRemembered || _keys.ContainsKey(keyId)) _keys[keyId] = (secretHash, accountId);
    }

    /// <summary>
    /// The key's grain refused the key itself (revoked, or no longer this secret): it is asked alone again. Only a refusal of the
    /// remembered secret forgets it, so a caller guessing secrets cannot make a key's own requests slower.
    /// </summary>
    public void Refused(string keyId, string secretHash)
    {
        if (_keys.TryGetValue(keyId, out var known) && known.SecretHash == secretHash) _keys.TryRemove(new KeyValuePair<string, (string, string)>(keyId, known));
    }
}
