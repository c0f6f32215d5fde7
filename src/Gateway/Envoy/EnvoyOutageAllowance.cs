using System.Collections.Concurrent;
using Tollgate.Grains.Limits;

namespace Tollgate.Gateway.Envoy;

/// <summary>
/// What the rate-limit service may admit while the cluster cannot answer, under <c>Proxy:Outage:Limits=Allow</c>: per descriptor
/// value (a caller IP, a key, a model, an account) and gateway, at most <c>Proxy:Outage:RequestsPerKey</c> requests; an API key only
/// if this gateway saw the cluster verify it (a made-up key is never admitted); tokens charged meanwhile are not counted anywhere.
/// A value's allowance is whole again once the cluster answers for it. Bounded: past <see cref="MaxRemembered"/> values a new one
/// is refused.
/// </summary>
internal sealed class EnvoyOutageAllowance
{
    public const int MaxRemembered = 100_000;

    private readonly ConcurrentDictionary<string, string> _keys = new(StringComparer.Ordinal); // key id -> its secret's hash
    private readonly Dictionary<string, long> _used = new(StringComparer.Ordinal); // "scope:value" -> requests admitted
    private readonly Lock _gate = new();
    private int _anyUsed; // 1 while some value has used some of its allowance

    /// <summary>The cluster verified a key's secret.</summary>
    public void KeyVerified(string keyId, string secretHash)
    {
        if (_keys.Count < MaxRemembered || _keys.ContainsKey(keyId)) _keys[keyId] = secretHash;
    }

    /// <summary>The cluster answered for a descriptor's value: its allowance is whole again.</summary>
    public void Answered(EnvoyScope scope, string value)
    {
        if (Volatile.Read(ref _anyUsed) == 0) return; // the usual case: no outage since the last answer
        lock (_gate)
        {
            _used.Remove(Name(scope, value));
            if (_used.Count == 0) _anyUsed = 0;
        }
    }

    /// <summary>Admits every hit of a request, or none; each is (scope, value, unit, hits, a key's secret hash).</summary>
    public bool TryAdmit(IReadOnlyList<(EnvoyScope Scope, string Value, HitUnit Unit, long Hits, string? SecretHash)> hits, int requestsPerValue)
    {
        foreach (var hit in hits)
        {
            if (hit.Scope == EnvoyScope.Key && (!_keys.TryGetValue(hit.Value, out var known) || known != hit.SecretHash)) return false;
        }
        var asked = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var hit in hits)
        {
            if (hit.Unit == HitUnit.Requests) asked[Name(hit.Scope, hit.Value)] = asked.GetValueOrDefault(Name(hit.Scope, hit.Value)) + hit.Hits;
        }
        lock (_gate)
        {
            foreach (var (name, requests) in asked)
            {
                var known = _used.TryGetValue(name, out var used);
                if (used + Math.Max(requests, 1) > requestsPerValue || (!known && _used.Count >= MaxRemembered)) return false;
            }
            foreach (var (name, requests) in asked)
            {
                if (requests == 0) continue;
                _used[name] = _used.GetValueOrDefault(name) + requests;
                _anyUsed = 1;
            }
        }
        return true;
    }

    private static string Name(EnvoyScope scope, string value) => $"{scope}:{value}";
}
