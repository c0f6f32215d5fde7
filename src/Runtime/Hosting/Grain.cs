using Npgsql;
using Tollgate.Runtime.Persistence;

namespace Tollgate.Runtime.Hosting;

/// <summary>
/// Base class of grain implementations. The runtime runs one call at a time per activation
/// (turn-based), so grain code keeps plain fields and takes no locks.
/// </summary>
public abstract class Grain
{
    private IGrainContext? _context;

    internal IGrainContext Context => _context ?? throw new InvalidOperationException("The grain is not activated.");

    internal void Bind(IGrainContext context) => _context = context;

    public GrainId Id => Context.Id;

    protected TimeProvider Time => Context.Time;

    /// <summary>For reads (loading state, looking up history). Writes go through <see cref="Write"/>.</summary>
    protected NpgsqlDataSource Database => Context.Database;

    /// <summary>
    /// Queues a write; it is committed with other grains' writes (group commit) and fenced by this
    /// silo's partition lease. The response of the current call, and of every later call, is held
    /// until the write commits, so nothing is acknowledged before it is durable. If the write
    /// fails, the activation is discarded and the next call reloads committed state.
    /// </summary>
    /// <para>
    /// Mark a write <paramref name="onlyTakesAway"/> when, if it failed, the committed state would grant no
    /// less than the memory its turn left (a charge, a debit): a <see cref="IProvisionalRequest"/> is then
    /// answered without waiting for it. Any other write (a credit, a new account, a trial) is waited for.
    /// </para>
    protected Task Write(GrainWrite write, bool onlyTakesAway = false) => Context.Write(write, onlyTakesAway);

    /// <summary>Completes when every write this activation made so far has committed.</summary>
    protected Task WritesCommitted() => Context.WritesCommitted();

    /// <summary>
    /// Keeps the activation from idle collection for at least <paramref name="duration"/>: for memory-only
    /// state that outlives the idle age (a day's rate window). Shutdown and handoff still deactivate it.
    /// </summary>
    protected void KeepAliveFor(TimeSpan duration) => Context.KeepAliveFor(duration);

    /// <summary>
    /// True while the activation holds nothing that a reload would not restore as it is (a key or an
    /// account that does not exist, a model nobody configured): the next idle collection (every 30 s by
    /// default) takes it however recently it was used, so ids made up by callers (random API keys, model
    /// names) cannot fill a silo's memory. Read outside the grain's turns: read fields set atomically.
    /// </summary>
    protected internal virtual bool HoldsNothing => false;

    /// <summary>Runs in the activation's first turn, before its first call; loads state.</summary>
    protected internal virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs in the activation's last turn (idle collection, handoff, shutdown); flushes state.</summary>
    protected internal virtual Task OnDeactivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Handles one message type. A grain implements one of these per message it accepts.</summary>
public interface IHandle<in TRequest, TResponse> where TRequest : IGrainRequest<TResponse>
{
    Task<TResponse> Handle(TRequest request);
}

/// <summary>What the runtime gives an activation's grain.</summary>
internal interface IGrainContext
{
    GrainId Id { get; }
    TimeProvider Time { get; }
    NpgsqlDataSource Database { get; }
    Task Write(GrainWrite write, bool onlyTakesAway);

    /// <summary>Completes when every write made so far has committed.</summary>
    Task WritesCommitted();

    void KeepAliveFor(TimeSpan duration);
}
