using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Tollgate.Grains.Limits;

/// <summary>
/// A grain with rate limits (account, API key, caller IP, model): takes a request's grant, gives it
/// back, and reads or replaces its limit settings, which each grain stores with its own state.
/// <para>
/// Its windows and in-flight grants outlive the activation. A move (Orleans' migration) carries them in the
/// migration context; a deactivation that does not migrate (a silo's graceful stop, idle collection) writes them
/// as a checkpoint, which the next activation reads; while they change, a checkpoint is also written at most every
/// <see cref="LimitOptions.CheckpointInterval"/>, so a crash loses at most what was admitted since the last one; and an
/// admission that would put more than a window's loss budget (5 % of its limit) at stake is answered marked to await one
/// (<see cref="Answered"/>, <see cref="Checkpointed"/>), or, in a reentrant grain, waits for one (<see cref="DurableAsync"/>);
/// so does one beyond a budget of the grain's own (<see cref="BeyondOwnLossBudget"/>: an account's holds).
/// Where the checkpoint lives is the grain's (<see cref="ReadWindowsAsync"/>, <see cref="WriteCheckpoint"/>).
/// </para>
/// <para>
/// Activations of ids callers choose go early (<see cref="HoldsNothing"/>, <see cref="ReleasedWhenIdle"/>).
/// </para>
/// </summary>
internal abstract class LimitedGrain(string scope, TimeProvider time) : Grain, ILimitedGrain, IGrainMigrationParticipant
{
    private const string CarriedWindows = "tollgate.windows";
    private const string CarriedVersion = "tollgate.windows.version";
    private LimiterState? _carried; // from a migration, until the activation takes it over
    private WindowTable? _table;
    private long _checkpointed; // Limits.Changes as of the last checkpoint
    private WindowMarks _saved; // Limits.Taken as of the last checkpoint
    private IGrainTimer? _checkpoints; // made with the first change, then re-armed (CheckpointSoon)
    private bool _checkpointsArmed;
    private readonly long _activation = Random.Shared.NextInt64(); // names this activation's changes in a CheckpointMark
    private Task _checkpoint = Task.CompletedTask;
    private IGrainTimer? _release; // lets the activation go early (HoldsNothing, ReleasedWhenIdle)
    private long _lastCall = Stopwatch.GetTimestamp(); // on the system's clock, as Orleans' timers are (Time may be a test's stopped one)
    private Accounts.RecentResults<bool>? _takenBack; // hits taken back lately, so a repeat takes nothing twice (allocated on first use)

    protected RateLimiter Limits { get; } = new(scope);

    protected TimeProvider Time { get; } = time;

    protected long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The limits an operator set for this grain (null: none of its own); throws if the grain does not exist.</summary>
    protected abstract LimitSettings? OwnLimits { get; }

    /// <summary>Keeps new limits with the grain's state and persists them.</summary>
    protected abstract Task StoreLimitsAsync(LimitSettings limits, string actor);

    /// <summary>
    /// True while the activation holds nothing that a reload would not restore as it is (a key or an
    /// account that does not exist, a model nobody configured). Such an activation goes after
    /// <see cref="MadeUpIdOptions.Lifetime"/> however recently it was used, so ids made up by callers (random
    /// API keys, model names) cannot fill a silo's memory for the default collection age of 15 minutes.
    /// </summary>
    protected virtual bool HoldsNothing => false;

    /// <summary>
    /// True for grains whose ids callers have in numbers (caller IPs: a /48 of IPv6 holds 65,536 /64s): the activation
    /// goes once no call has come for <see cref="MadeUpIdOptions.Lifetime"/> and its windows are checkpointed, however long
    /// its windows count, as the next activation reads them back. Other grains stay while their windows count
    /// (<see cref="Acquire"/>), then for Orleans' idle age.
    /// </summary>
    protected virtual bool ReleasedWhenIdle => false;

    /// <summary>Whether anything not yet checkpointed changed: the windows or grants, or what the grain checkpoints beside them.</summary>
    protected virtual bool Uncheckpointed => Limits.Changes != _checkpointed;

    /// <summary>Whether this activation's memory may be written as a checkpoint (not when it is stale or behind the database).</summary>
    protected virtual bool MayCheckpoint => true;

    protected TimeSpan CheckpointInterval => ServiceProvider.GetService<IOptions<LimitOptions>>()?.Value.CheckpointInterval ?? new LimitOptions().CheckpointInterval;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        var carried = _carried ?? (HoldsNothing || !MayHaveWindows ? null : await ReadWindowsAsync());
        _carried = null;
        if (carried is not null) CarryIn(carried);
        (_checkpointed, _saved) = (Limits.Changes, Limits.Taken);
        if (HoldsNothing || ReleasedWhenIdle)
        {
            _release = this.RegisterGrainTimer(static self => self.ReleaseEarly(), this,
                new GrainTimerCreationOptions(EarlyLifetime, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = false });
        }
    }

    private TimeSpan EarlyLifetime => ServiceProvider.GetService<IOptions<MadeUpIdOptions>>()?.Value.Lifetime ?? new MadeUpIdOptions().Lifetime;

    /// <summary>
    /// Deactivates an activation that holds nothing, or one released when idle that has been for the lifetime with nothing
    /// left to checkpoint (so a database that refuses checkpoints cannot lose its counts); otherwise looks again later.
    /// </summary>
    private Task ReleaseEarly()
    {
        var (lifetime, idle) = (EarlyLifetime, Stopwatch.GetElapsedTime(_lastCall));
        if (HoldsNothing || (ReleasedWhenIdle && idle >= lifetime && !Uncheckpointed)) DeactivateOnIdle();
        else if (ReleasedWhenIdle) _release!.Change(idle < lifetime ? lifetime - idle : CheckpointInterval, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    /// <summary>Notes a call: an activation released when idle stays while called.</summary>
    private void Called() => _lastCall = Stopwatch.GetTimestamp();

    /// <summary>Loads the grain's state and configures its limits; runs before its first call.</summary>
    protected abstract Task LoadAsync(CancellationToken cancellationToken);

    /// <summary>Whether a checkpoint may hold counts for this grain: not while it has no limits (a caller IP counts under the defaults).</summary>
    protected virtual bool MayHaveWindows => Limits.Settings != LimitSettings.None;

    /// <summary>The windows the last checkpoint stored (null: none); read after <see cref="LoadAsync"/>. By default the grain's row of <c>limit_windows</c>.</summary>
    protected virtual Task<LimiterState?> ReadWindowsAsync() => Table().ReadAsync();

    /// <summary>Takes over windows an earlier activation counted, under the limits configured now.</summary>
    protected virtual void CarryIn(LimiterState windows) => Limits.Import(windows, NowMs);

    /// <summary>Commits a checkpoint of <paramref name="windows"/> (and whatever the grain keeps beside them); throws a <see cref="TollgateException"/> if it was not.</summary>
    protected virtual Task WriteCheckpoint(LimiterState windows) => Table().WriteAsync(windows, DeactivateOnIdle);

    private WindowTable Table() => _table ??= new WindowTable(this.GetGrainId().ToString(),
        ServiceProvider.GetRequiredService<Persistence.GroupCommitter>(), ServiceProvider.GetRequiredService<Npgsql.NpgsqlDataSource>());

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _checkpoints?.Dispose();
        _release?.Dispose();
        // A migration carries the windows in its context (OnDehydrate); any other way out leaves a checkpoint.
        if (reason.ReasonCode != DeactivationReasonCode.Migrating) await Quietly(SaveAsync());
    }

    public virtual void OnDehydrate(IDehydrationContext context)
    {
        if (!MayCheckpoint) return;
        context.AddBytes(CarriedWindows, Limits.Export(NowMs).ToJson());
        if (_table?.Version is { } version) context.TryAddValue(CarriedVersion, version);
    }

    public virtual void OnRehydrate(IRehydrationContext context)
    {
        if (context.TryGetBytes(CarriedWindows, out var json)) _carried = LimiterState.FromJson(System.Buffers.BuffersExtensions.ToArray(json));
        if (context.TryGetValue(CarriedVersion, out long version)) Table().Version = version; // the fence the last activation's checkpoints moved
    }

    /// <summary>Takes one request and its tokens from every limit, or nothing (see <see cref="RateLimiter.TryAcquire"/>).</summary>
    protected Admission Acquire(string requestId, long tokens, int ttlSeconds, long now)
    {
        Called();
        var admission = Limits.TryAcquire(requestId, tokens, now + ttlSeconds * 1000L, now);
        // Windows that outlive the idle age (a day's tokens) keep the grain in memory while they count, except one released when idle:
        // there are too many of those, and their checkpoint restores them.
        if (!ReleasedWhenIdle && Limits.CountedFor(now) is { Ticks: > 0 } counted) DelayDeactivation(counted);
        CheckpointSoon();
        return admission;
    }

    /// <summary>
    /// Counts a hit (see <see cref="RateLimiter.Hit"/>). A scope without limits answers from a lookup: nothing is counted, kept or checkpointed.
    /// </summary>
    protected HitResult CountHit(LimitHit hit)
    {
        Called();
        var changes = Limits.Changes;
        var admission = Limits.Hit(hit.Unit, hit.Hits, NowMs, out var at);
        if (Limits.Changes != changes)
        {
            if (!ReleasedWhenIdle && Limits.CountedFor(at) is { Ticks: > 0 } counted) DelayDeactivation(counted);
            CheckpointSoon();
        }
        return new HitResult(admission, at);
    }

    /// <summary>A hit refused before anything was counted (an unknown or revoked key, a suspended account).</summary>
    protected static HitResult Refused(string reason, string message, string? accountId = null) =>
        new(new Admission(false, new Denial(reason, message), []), 0, accountId);

    protected static void ValidateHit(LimitHit hit)
    {
        Validate.Key(hit.HitId, nameof(hit.HitId));
        Validate.Tokens(hit.Hits, nameof(hit.Hits));
        if (!Enum.IsDefined(hit.Unit)) throw new TollgateException(Accounts.AccountErrors.InvalidArgument, $"Unknown hit unit {hit.Unit}.");
        if (hit.Model is not null) Validate.Key(hit.Model, nameof(hit.Model));
        if (hit.Defaults is not null) Validate.Limits(hit.Defaults);
    }

    /// <summary>Counts a hit against the grain's limits; what a scope checks first (a key's secret) is its override's.</summary>
    public virtual Task<HitResult> Hit(LimitHit hit)
    {
        ValidateHit(hit);
        var result = CountHit(hit);
        return Task.FromResult(result with { Admission = Answered(result.Admission) });
    }

    public virtual Task<bool> TakeBack(HitTakeBack takeBack) => Task.FromResult(TakeBackHit(takeBack));

    /// <summary>Takes back a hit's requests once (see <see cref="HitTakeBack"/>); false if this activation took it back already.</summary>
    protected bool TakeBackHit(HitTakeBack takeBack)
    {
        Validate.Key(takeBack.HitId, nameof(takeBack.HitId));
        Validate.Tokens(takeBack.Requests, nameof(takeBack.Requests));
        Called();
        _takenBack ??= new Accounts.RecentResults<bool>(capacity: 4_096);
        if (_takenBack.TryGet(takeBack.HitId, out _)) return false;
        _takenBack.Add(takeBack.HitId, true);
        Limits.TakeBack(takeBack.At, takeBack.Requests, NowMs);
        CheckpointSoon();
        return true;
    }

    /// <summary>Gives back a request's grant (see <see cref="RateLimiter.Release"/>).</summary>
    protected bool ReleaseGrant(ReleaseGrant request)
    {
        Called();
        var released = Limits.Release(request.RequestId, request.TokensUsed, request.Refund, NowMs);
        CheckpointSoon();
        return released;
    }

    public virtual Task<ReleaseResult> Release(ReleaseGrant request) => Task.FromResult(new ReleaseResult(ReleaseGrant(request)));

    public virtual Task<RenewResult> Renew(RenewGrant request)
    {
        ValidateRenewal(request);
        return Task.FromResult(new RenewResult(RenewGrant(request)));
    }

    protected static void ValidateRenewal(RenewGrant request)
    {
        Validate.Key(request.RequestId, nameof(request.RequestId));
        Validate.Ttl(request.TtlSeconds);
    }

    /// <summary>Keeps a request's grant (see <see cref="RateLimiter.Renew"/>); false if none is held.</summary>
    protected bool RenewGrant(RenewGrant request)
    {
        Called();
        var renewed = Limits.Renew(request.RequestId, request.TtlSeconds * 1000L, Accounts.AccountLimits.MaxHoldLifetimeSeconds * 1000L, NowMs);
        CheckpointSoon();
        return renewed;
    }

    /// <summary>
    /// The answer to an admission just made: while the windows are within the loss budget (<see cref="RateLimiter.LossBudget"/>)
    /// as it is; beyond it, marked to await the checkpoint that holds it, which starts now unless one is being written.
    /// A non-reentrant grain answers so (not waiting itself) so that it goes on answering while a checkpoint commits, and
    /// every caller waiting meanwhile shares the next one, instead of each admission waiting for a commit of its own in turn.
    /// </summary>
    protected Admission Answered(Admission admission)
    {
        if (!Limits.BeyondLossBudget(_saved)) return admission;
        if (_checkpoint.IsCompleted) _ = SaveAsync();
        return admission with { AwaitsCheckpoint = new CheckpointMark(_activation, Limits.Changes) };
    }

    public async Task Checkpointed(CheckpointMark mark)
    {
        if (mark.Activation != _activation) throw AnswerLost();
        if (_checkpointed >= mark.Change) return;
        await _checkpoint; // the checkpoint being written may hold it
        try
        {
            if (_checkpointed < mark.Change) await SaveAsync();
        }
        catch (TollgateException stale) when (stale.Code == ErrorCodes.StaleActivation)
        {
            throw AnswerLost(); // another activation checkpointed first: this one goes, and what it counted with it
        }
        if (_checkpointed < mark.Change) throw AnswerLost(); // this activation may not checkpoint (it is behind the database)
    }

    private TollgateException AnswerLost() =>
        new(ErrorCodes.AnswerLost, $"The activation of {this.GetGrainId()} that answered went before checkpointing it; ask again.");

    /// <summary>
    /// Completes once the admission just made cannot be lost to a crash beyond the loss budget
    /// (<see cref="RateLimiter.LossBudget"/>): at once while the windows are within it, else when a checkpoint holding
    /// it has committed. Throws a <see cref="TollgateException"/> if that checkpoint was not committed. For reentrant
    /// grains, where the callers waiting share checkpoints (<see cref="Answered"/> otherwise).
    /// </summary>
    protected Task DurableAsync() => Limits.BeyondLossBudget(_saved) || BeyondOwnLossBudget ? SaveAsync() : Task.CompletedTask;

    /// <summary>Whether what the grain checkpoints beside its windows puts more at stake than a crash may lose.</summary>
    protected virtual bool BeyondOwnLossBudget => false;

    /// <summary>
    /// Arms the checkpoint timer if something changed and it is not armed; disarms it once nothing has (a tick, or the call that undid
    /// the change: a hold settled within the interval, so that tick, a message through the activation, is not sent). Its ticks fall on
    /// boundaries every grain shares (<see cref="TimerBoundaries"/>), so the timers of many grains fire together. The timer is made
    /// once and re-armed: a timer made per burst of calls is garbage that every gen 0 collection traces from the old grain, and with
    /// thousands of grains touched between collections that tracing is most of each pause.
    /// </summary>
    protected void CheckpointSoon()
    {
        if (!Uncheckpointed)
        {
            if (_checkpointsArmed && _checkpoint.IsCompleted) Disarm();
            return;
        }
        if (_checkpointsArmed) return;
        _checkpointsArmed = true;
        var interval = CheckpointInterval;
        if (_checkpoints is { } timer) timer.Change(TimerBoundaries.DueAfter(interval), interval);
        else _checkpoints = this.RegisterGrainTimer(static self => self.CheckpointTick(), this,
            new GrainTimerCreationOptions(TimerBoundaries.DueAfter(interval), interval) { Interleave = true, KeepAlive = false });
    }

    private Task CheckpointTick()
    {
        if (Uncheckpointed && _checkpoint.IsCompleted) _ = SaveAsync(); // not awaited: calls go on while it commits; a failed one is left for the next tick
        if (!Uncheckpointed && _checkpoint.IsCompleted) Disarm(); // nothing left to write, nor being written
        else
        {
            var interval = CheckpointInterval;
            _checkpoints!.Change(TimerBoundaries.DueAfter(interval), interval); // back on a shared boundary: Orleans counts a period from the tick's end
        }
        return Task.CompletedTask;
    }

    private void Disarm()
    {
        _checkpoints!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _checkpointsArmed = false;
    }

    /// <summary>Queues a checkpoint after the one in flight (they are written one at a time, in order).</summary>
    private Task SaveAsync()
    {
        var save = CheckpointAfterAsync(_checkpoint);
        _checkpoint = Quietly(save);
        return save;
    }

    /// <summary>Writes a checkpoint if anything changed since the last; if it fails the memory stays as it is, for the next.</summary>
    private async Task CheckpointAfterAsync(Task previous)
    {
        await previous;
        if (!Uncheckpointed || !MayCheckpoint) return;
        var (changes, taken) = (Limits.Changes, Limits.Taken);
        await WriteCheckpoint(Limits.Export(NowMs));
        _checkpointed = Math.Max(_checkpointed, changes);
        _saved = taken;
    }

    private static async Task Quietly(Task checkpoint)
    {
        try
        {
            await checkpoint;
        }
        catch (TollgateException)
        {
            // The grain has dealt with it (a stale activation goes; any other reloads its fence); whoever waited heard of it.
        }
    }

    public async Task<LimitsView> SetLimits(SetLimits request)
    {
        Called();
        Validate.Text(request.Actor, nameof(request.Actor), 200);
        Validate.Limits(request.Limits);
        if (OwnLimits != request.Limits)
        {
            Limits.Configure(request.Limits);
            await StoreLimitsAsync(request.Limits, request.Actor);
        }
        return View();
    }

    public Task<LimitsView> GetLimits()
    {
        Called();
        return Task.FromResult(View());
    }

    private LimitsView View() => new(scope, this.GetPrimaryKeyString(), OwnLimits, Limits.State(NowMs));

    /// <summary>
    /// Writes the grain's state over the version it read. If the write fails the memory is ahead of the
    /// database, so the activation is discarded (the next call reloads what was committed) and the caller
    /// gets a retryable error: a stale ETag (another activation wrote first) is never swallowed.
    /// </summary>
    protected async Task WriteAsync<T>(IPersistentState<T> state)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            DeactivateOnIdle();
            throw ex is InconsistentStateException
                ? new TollgateException(ErrorCodes.StaleActivation, $"Another activation of {this.GetGrainId()} wrote first; retry.", ex)
                : new TollgateException(ErrorCodes.StorageFailed, $"The state of {this.GetGrainId()} was not stored; retry.", ex);
        }
    }
}
