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
