using Tollgate.Grains;
using Tollgate.Grains.Limits;

namespace Tollgate.Gateway.Cluster;

/// <summary>How a gateway acts on a limited grain's admissions.</summary>
public static class LimitedCalls
{
    /// <summary>Times an admission is asked when the activations that answered it go before checkpointing it (a move, a fenced-out silo).</summary>
    public const int MaxAsks = 3;

    /// <summary>
    /// The answer of <paramref name="ask"/> to <paramref name="grain"/> once it may be acted on: when its admission awaits a
    /// checkpoint (<see cref="Admission.AwaitsCheckpoint"/>), after <see cref="ILimitedGrain.Checkpointed"/> has completed. If the
    /// activation that answered went before its checkpoint, its answer is lost with it, and the grain is asked again.
    /// </summary>
    public static async Task<T> Durably<TGrain, T>(this TGrain grain, Func<TGrain, Task<T>> ask, Func<T, Admission> admission) where TGrain : ILimitedGrain
    {
        for (var attempt = 1; ; attempt++)
        {
            var answer = await ask(grain);
            if (admission(answer).AwaitsCheckpoint is not { } mark) return answer;
            try
            {
                await grain.Checkpointed(mark);
                return answer;
            }
            catch (TollgateException lost) when (lost.Code == ErrorCodes.AnswerLost && attempt < MaxAsks)
            {
                // Asked again of the activation that took over, which counts it from the last checkpoint.
            }
        }
    }
}
