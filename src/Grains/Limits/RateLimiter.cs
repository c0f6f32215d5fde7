namespace Tollgate.Grains.Limits;

/// <summary>
/// The rate limits of one scope (an account, a key, a caller IP, a model): requests per minute,
/// tokens per minute and per day over sliding windows, and requests in flight. An authorize takes
/// from every limit or from none; its grant is held until it is released (settle, or a denial
/// elsewhere) or expires, and a token estimate is corrected to the actual count on release.
/// <para>
/// Accuracy: the windows never admit more than the limit in any window of their length (no
/// boundary burst). They count in buckets (1 s for the minute windows, 5 min for the day), so a
/// unit may be counted up to one bucket longer than an exact log would: conservative, never over.
/// The windows live in memory; <see cref="Export"/> and <see cref="Import"/> carry them and the grants in flight to
/// the scope's next activation. A scope without limits keeps no grants at all: its authorizes cost a lookup and
/// nothing to release.
/// </para>
/// </summary>
internal sealed class RateLimiter(string scope)
{
    /// <summary>
    /// In-flight grants per scope without a concurrency limit: bounds memory (about 100 bytes a grant)
    /// against callers that never settle. Grants are kept only while the scope has limits.
    /// </summary>
    public const int MaxInFlight = 1_000_000;

    private const long Minute = 60_000;
    private const long Day = 86_400_000;

    private Dictionary<string, Grant>? _grants; // allocated with the first grant: most scopes hold none
    private ExpiryQueue? _expiries; // with the first grant
    private SlidingWindow? _requests, _tokensPerMinute, _tokensPerDay; // made when first counted (Shape): an idle scope's limits are its settings alone
    private bool _shaped; // whether the windows are made, as Settings asks
    private long _latest;

    public LimitSettings Settings { get; private set; } = LimitSettings.None;

    private Dictionary<string, Grant> Grants() => _grants ??= new Dictionary<string, Grant>(StringComparer.Ordinal);

    public int InFlight => _grants?.Count ?? 0;

    /// <summary>Counts every change of what the windows count or the grants held: a checkpoint is due when it moved.</summary>
    public long Changes { get; private set; }

    /// <summary>The units each window counted in this activation (never less): what a checkpoint exported now covers.</summary>
    public WindowMarks Taken => new(_requests?.Taken ?? 0, _tokensPerMinute?.Taken ?? 0, _tokensPerDay?.Taken ?? 0);

    /// <summary>
    /// Whether some window counted more than its loss budget since the checkpoint that covered <paramref name="saved"/>:
    /// a crash now could let it admit more than that again, so the admission must wait for a checkpoint.
    /// </summary>
    public bool BeyondLossBudget(WindowMarks saved) =>
        Beyond(_requests, saved.Requests) || Beyond(_tokensPerMinute, saved.TokensPerMinute) || Beyond(_tokensPerDay, saved.TokensPerDay);

    /// <summary>What a crash may let a window admit a second time: 5 % of its limit, at least one unit.</summary>
    public static long LossBudget(long limit) => Math.Max(1, limit / 20);

    private static bool Beyond(SlidingWindow? window, long saved) => window is not null && window.Taken - saved > LossBudget(window.Limit);

    /// <summary>Ids waiting in the expiry queue, ended or not (bounded by about twice <see cref="InFlight"/>).</summary>
    internal int QueuedExpiries => _expiries?.Count ?? 0;

    /// <summary>Whether any window is made (see <see cref="Shape"/>).</summary>
    internal bool HoldsWindows => (_requests ?? _tokensPerMinute ?? _tokensPerDay) is not null;

    /// <summary>Applies new limits, keeping what the windows have counted so far.</summary>
    public void Configure(LimitSettings settings)
    {
        if (settings == Settings) return;
        Settings = settings;
        if (_shaped) Shape();
    }

    /// <summary>
    /// Makes the windows <see cref="Settings"/> asks for, keeping what made ones counted, before anything is counted:
    /// a window that never counted has its whole limit left, so until then the settings answer for it (<see cref="State"/>).
    /// </summary>
    private void Shape()
    {
        _requests = Resize(_requests, Settings.RequestsPerMinute, Minute, buckets: 60);
        _tokensPerMinute = Resize(_tokensPerMinute, Settings.TokensPerMinute, Minute, buckets: 60);
        _tokensPerDay = Resize(_tokensPerDay, Settings.TokensPerDay, Day, buckets: 288);
        _shaped = true;
    }

    /// <summary>Takes one request and <paramref name="tokens"/> from every limit, or nothing; a repeat of a held request is allowed again.</summary>
    public Admission TryAcquire(string requestId, long tokens, long expiresAt, long now)
    {
        now = Math.Max(now, _latest); // the wall clock may step back; a grant must name the bucket it was counted in
        _latest = now;
        ExpireDue(now);
        if (_grants?.ContainsKey(requestId) == true) return new Admission(true, null, State(now), Held: true);
        if (Settings == LimitSettings.None) return new Admission(true, null, [], Held: false); // nothing to count, nothing to give back
        if (!_shaped) Shape();

        Denial? denial = null;
        var maxConcurrent = Settings.MaxConcurrent ?? MaxInFlight;
        if (InFlight >= maxConcurrent)
            denial = RateLimited("max_concurrent", $"{maxConcurrent} requests are already in flight.", retryAfterMs: null);
        denial ??= Check(_requests, 1, "requests_per_minute", "requests", now)
            ?? Check(_tokensPerMinute, tokens, "tokens_per_minute", "tokens", now)
            ?? Check(_tokensPerDay, tokens, "tokens_per_day", "tokens", now);
        if (denial is not null) return new Admission(false, denial, State(now));

        _requests?.Add(1, now);
        _tokensPerMinute?.Add(tokens, now);
        _tokensPerDay?.Add(tokens, now);
        Grants().Add(requestId, new Grant(tokens, now, expiresAt));
        (_expiries ??= new()).Enqueue(requestId, expiresAt);
        Changes++;
        return new Admission(true, null, State(now), Held: true);
    }

    /// <summary>
    /// Counts <paramref name="hits"/> requests or tokens now, with no grant (see <see cref="LimitHit"/>): requests only if they
    /// fit, tokens whether or not they do; zero hits count nothing and are refused once the window has nothing left.
    /// A scope without a window of that unit admits at once. <paramref name="at"/>: the instant counted in (for <see cref="TakeBack"/>).
    /// </summary>
    public Admission Hit(HitUnit unit, long hits, long now, out long at)
    {
        at = now = Math.Max(now, _latest);
        _latest = now;
        if (Settings == LimitSettings.None) return Unlimited; // nothing to count: a lookup
        if (!_shaped) Shape();
        ExpireDue(now);
        var asked = Math.Max(hits, 1);
        Denial? denial;
        if (unit == HitUnit.Requests)
        {
            denial = Check(_requests, asked, "requests_per_minute", "requests", now);
            if (denial is null && hits > 0 && _requests is { } requests)
            {
                requests.Add(hits, now);
                Changes++;
            }
        }
        else
        {
            denial = Check(_tokensPerMinute, asked, "tokens_per_minute", "tokens", now) ?? Check(_tokensPerDay, asked, "tokens_per_day", "tokens", now);
            if (hits > 0 && (_tokensPerMinute is not null || _tokensPerDay is not null))
            {
                // Tokens a request used: counted even past the limit, so the next request finds the window as it really is.
                _tokensPerMinute?.Add(hits, now);
                _tokensPerDay?.Add(hits, now);
                Changes++;
            }
        }
        return new Admission(denial is null, denial, State(now));
    }

    private static readonly Admission Unlimited = new(true, null, []);

    /// <summary>Takes back <paramref name="requests"/> a hit counted at <paramref name="at"/> (ignored once that bucket left the window).</summary>
    public void TakeBack(long at, long requests, long now)
    {
        if (_requests is null || requests <= 0) return;
        Correct(_requests, at, -requests, Math.Max(now, _latest));
        Changes++;
    }

    /// <summary>
    /// Ends a grant: frees its slot and corrects its token estimate to <paramref name="tokensUsed"/>;
    /// <paramref name="refund"/> also takes back its request count. False if no such grant is held.
    /// </summary>
    public bool Release(string requestId, long tokensUsed, bool refund, long now)
    {
        ExpireDue(now);
        if (_grants is null || !_grants.Remove(requestId, out var grant)) return false;
        Changes++;
        if (refund) Correct(_requests, grant.At, -1, now);
        var delta = tokensUsed - grant.Tokens;
        Correct(_tokensPerMinute, grant.At, delta, now);
        Correct(_tokensPerDay, grant.At, delta, now);
        _expiries?.Compact(_grants.Count, _grants, static grants => grants.Select(g => (g.Key, g.Value.ExpiresAt)));
        return true;
    }

    /// <summary>
    /// Keeps a grant: it then expires no sooner than <paramref name="ttlMs"/> from now, and never later than
    /// <paramref name="maxLifetimeMs"/> after it was taken. Never shortens one. False if no such grant is held.
    /// </summary>
    public bool Renew(string requestId, long ttlMs, long maxLifetimeMs, long now)
    {
        now = Math.Max(now, _latest);
        ExpireDue(now);
        if (_grants is null || !_grants.TryGetValue(requestId, out var grant)) return false;
        var expiresAt = Math.Min(now + ttlMs, grant.At + maxLifetimeMs);
        if (expiresAt <= grant.ExpiresAt) return true;
        _grants[requestId] = grant with { ExpiresAt = expiresAt };
        _expiries ??= new();
        _expiries.Enqueue(requestId, expiresAt); // the earlier entry no longer matches: skipped when it comes due
        _expiries.Compact(_grants.Count, _grants, static grants => grants.Select(g => (g.Key, g.Value.ExpiresAt)));
        Changes++;
        return true;
    }

    /// <summary>What the windows count and the grants in flight, to carry to the scope's next activation.</summary>
    public LimiterState Export(long now)
    {
        now = Math.Max(now, _latest);
        ExpireDue(now);
        return new LimiterState(Settings, _requests?.Export(now), _tokensPerMinute?.Export(now), _tokensPerDay?.Export(now),
            [.. (_grants ?? []).Select(g => new GrantState(g.Key, g.Value.Tokens, g.Value.At, g.Value.ExpiresAt))]);
    }

    /// <summary>
    /// Takes over what an earlier activation counted and held, under the limits configured now: a window whose
    /// limit was removed meanwhile drops its counts, and grants whose time is up are not taken.
    /// </summary>
    public void Import(LimiterState state, long now)
    {
        now = Math.Max(now, _latest);
        _latest = now;
        if (!_shaped) Shape();
        if (state.Requests is { } requests) _requests?.Import(requests, now);
        if (state.TokensPerMinute is { } tpm) _tokensPerMinute?.Import(tpm, now);
        if (state.TokensPerDay is { } tpd) _tokensPerDay?.Import(tpd, now);
        if (Settings == LimitSettings.None) return; // no limits, no grants (see TryAcquire)
        foreach (var grant in state.Grants)
        {
            if (grant.ExpiresAt <= now || !Grants().TryAdd(grant.RequestId, new Grant(grant.Tokens, grant.At, grant.ExpiresAt))) continue;
            (_expiries ??= new()).Enqueue(grant.RequestId, grant.ExpiresAt);
        }
        Changes++;
    }

    /// <summary>How long the windows still hold counts: the activation must stay (a day window outlives idle collection).</summary>
    public TimeSpan CountedFor(long now) =>
        TimeSpan.FromMilliseconds(Math.Max(_tokensPerDay?.ResetMs(now) ?? 0, Math.Max(_requests?.ResetMs(now) ?? 0, _tokensPerMinute?.ResetMs(now) ?? 0)));

    public IReadOnlyList<LimitState> State(long now)
    {
        ExpireDue(now);
        var state = new List<LimitState>(4);
        AddState(state, "requests_per_minute", _requests, Settings.RequestsPerMinute, now);
        AddState(state, "tokens_per_minute", _tokensPerMinute, Settings.TokensPerMinute, now);
        AddState(state, "tokens_per_day", _tokensPerDay, Settings.TokensPerDay, now);
        if (Settings.MaxConcurrent is { } max) state.Add(new LimitState(scope, "max_concurrent", max, Math.Max(0, max - InFlight), 0));
        return state;
    }

    /// <summary>A window as it stands; one not made yet (nothing counted) has its whole limit left.</summary>
    private void AddState(List<LimitState> state, string name, SlidingWindow? window, long? limit, long now)
    {
        if (window is not null) state.Add(new LimitState(scope, name, window.Limit, window.Remaining(now), window.ResetMs(now)));
        else if (limit is { } unused) state.Add(new LimitState(scope, name, unused, unused, 0));
    }

    /// <summary>Ends grants whose time is up: their slots free, their estimates stay counted (the request may have run).</summary>
    private void ExpireDue(long now)
    {
        while (_expiries is not null && _expiries.TryDequeueDue(now, out var requestId, out var expiresAt))
        {
            if (_grants is not null && _grants.TryGetValue(requestId, out var grant) && grant.ExpiresAt == expiresAt) _grants.Remove(requestId);
        }
    }


    private Denial? Check(SlidingWindow? window, long units, string name, string unit, long now)
    {
        if (window is null || window.Fits(units, now, out var retryAfterMs)) return null;
        return units > window.Limit
            ? RateLimited(name, $"The request's {units} {unit} exceed the limit of {window.Limit}; it can never fit.", retryAfterMs: null)
            : RateLimited(name, $"The limit of {window.Limit} {unit} {(window.WindowMs == Day ? "per day" : "per minute")} is used up.", retryAfterMs);
    }

    private Denial RateLimited(string name, string message, long? retryAfterMs) =>
        new(Denials.RateLimited, $"{scope}: {message}", $"{scope}.{name}", retryAfterMs);

    private static void Correct(SlidingWindow? window, long at, long delta, long now)
    {
        if (window is not null && delta != 0) window.Correct(window.BucketOf(at), delta, now);
    }

    private static SlidingWindow? Resize(SlidingWindow? window, long? limit, long windowMs, int buckets)
    {
        if (limit is not { } value) return null;
        if (window is null) return new SlidingWindow(value, windowMs, buckets);
        window.Limit = value;
        return window;
    }

    private readonly record struct Grant(long Tokens, long At, long ExpiresAt);
}

/// <summary>What each window of a <see cref="RateLimiter"/> had counted at some moment (see <see cref="RateLimiter.Taken"/>).</summary>
internal readonly record struct WindowMarks(long Requests, long TokensPerMinute, long TokensPerDay);
