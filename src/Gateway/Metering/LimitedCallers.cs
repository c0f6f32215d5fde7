using System.Collections.Concurrent;

namespace Tollgate.Gateway.Metering;

/// <summary>
/// Caller IPs their grain just denied, each until the retry-after it gave. Such a caller's next authorize asks its IP
/// alone first, and the key and model only once the IP admits: a limited caller cannot make the cluster activate a
/// grain for every key id and model name it makes up. The IP grain still counts every request; this gateway only
/// orders the calls. Bounded: past <see cref="MaxCallers"/> a caller is not remembered (its calls stay parallel).
/// </summary>
internal sealed class LimitedCallers(TimeProvider time)
{
    public const int MaxCallers = 100_000;
    private readonly ConcurrentDictionary<string, long> _until = new(StringComparer.Ordinal); // limit key -> timestamp

    public bool IsLimited(string ipKey) => _until.TryGetValue(ipKey, out var until) && time.GetTimestamp() < until;

    /// <summary>Notes the IP grain's answer: remembered while it denies, forgotten once it admits.</summary>
    public void Answered(string ipKey, Grains.Limits.Admission ip)
    {
        if (ip.Denial is not { RetryAfterMs: > 0 } denial)
        {
            _until.TryRemove(ipKey, out _);
            return;
        }
        var now = time.GetTimestamp();
        if (_until.Count >= MaxCallers)
        {
            foreach (var (key, until) in _until)
            {
                if (until <= now) _until.TryRemove(key, out _);
            }
            if (_until.Count >= MaxCallers) return;
        }
        _until[ipKey] = now + (long)(denial.RetryAfterMs.Value / 1000.0 * time.TimestampFrequency);
    }
}
