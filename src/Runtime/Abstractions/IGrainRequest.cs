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
/// when its turn ends, without waiting for the activation's earlier writes to commit. If such a write
/// fails, the activation is discarded, and what this answer held is lost as in a crash. A turn that
/// writes itself still answers only after its write commits.
/// </summary>
public interface IProvisionalRequest;
