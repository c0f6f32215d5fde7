using System.Collections.Concurrent;

namespace Tollgate.FakeUpstream;

/// <summary>
/// Named gates a stream can wait at (<c>"fake":{"hold":"name"}</c>), opened by a test (<c>POST /fake/gates/{name}</c>
/// or <see cref="Open"/>): so a test acts mid-stream on a signal, not after a sleep. A gate opened before a stream
/// reaches it lets it straight through; an open gate stays open. Bounded: at most <see cref="Capacity"/> gates.
/// </summary>
public sealed class FakeGates
{
    public const int Capacity = 1_000;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new(StringComparer.Ordinal);

    /// <summary>Waits until the gate is open (or the request is aborted).</summary>
    public Task WaitAsync(string name, CancellationToken cancellationToken) => Gate(name).Task.WaitAsync(cancellationToken);

    public void Open(string name) => Gate(name).TrySetResult();

    private TaskCompletionSource Gate(string name)
    {
        if (_gates.Count >= Capacity && !_gates.ContainsKey(name))
            throw new BadFakeRequestException($"The fake holds at most {Capacity} gates.", "fake.hold", "invalid_fake");
        return _gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
