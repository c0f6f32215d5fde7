using Orleans.Runtime;
using Orleans.Storage;

namespace Tollgate.Grains.Limits;

internal abstract partial class LimitedGrain
{
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
