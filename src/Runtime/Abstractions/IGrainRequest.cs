namespace Tollgate.Runtime;

/// <summary>
/// A message sent to a grain, answered with a <typeparamref name="TResponse"/>.
/// The client retries a call that failed in transport, so every message must be idempotent
/// (carry the id that makes a repeat harmless, or only read).
/// </summary>
public interface IGrainRequest<TResponse>;

/// <summary>Sends messages to grains wherever they are activated.</summary>
public interface IGrainCaller
{
    Task<TResponse> CallAsync<TResponse>(GrainId grain, IGrainRequest<TResponse> request, CancellationToken cancellationToken = default);
}

/// <summary>
/// A request whose answer promises nothing durable (e.g. a hold kept in memory only): it is answered
/// when its turn ends, without waiting for earlier writes that only take away (a charge) to commit,
/// since their failure would leave the committed state no less generous than the answer. If such a
/// write fails, the activation is discarded, and what this answer held is lost as in a crash. Writes
/// that give (credit, a new account) are still waited for, and so is a write of the turn itself.
/// </summary>
public interface IProvisionalRequest;
