namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// The system's time, with a way to wait for the grains' next read of it: a read is the sign that a call's turn
/// is running on its grain (only grains read Tollgate's clock), so a test can wait for that instead of sleeping.
/// </summary>
public sealed class ObservedClock : TimeProvider
{
    private TaskCompletionSource? _nextRead;

    public override DateTimeOffset GetUtcNow()
    {
        Interlocked.Exchange(ref _nextRead, null)?.TrySetResult();
        return System.GetUtcNow();
    }

    /// <summary>Completes at the first read of the time after this call.</summary>
    public Task NextReadAsync()
    {
        var read = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _nextRead, read);
        return read.Task;
    }
}
