using System.Diagnostics;
using Tollgate.Runtime.Hosting;

namespace Tollgate.Runtime.Activations;

/// <summary>One call waiting in an activation's mailbox.</summary>
internal sealed class Call(MessageHandler handler, object request, long deadline)
{
    public MessageHandler Handler { get; } = handler;
    public object Request { get; } = request;

    /// <summary>Stopwatch timestamp after which the call is not started any more.</summary>
    public long Deadline { get; } = deadline;

    public TaskCompletionSource<object?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsExpired => Stopwatch.GetTimestamp() > Deadline;
}
