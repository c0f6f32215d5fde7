using Tollgate.Gateway.Proxy;

namespace Tollgate.Tests.Proxy;

/// <summary>
/// The proxy's provider connections continue on the thread pool: with socket completions inline (as the images run .NET), a read
/// that waited would otherwise go on, parsing and counting a whole answer, on the event thread every other socket waits for.
/// </summary>
public sealed class UpstreamConnectionTests
{
    [Fact]
    public async Task A_read_completed_on_a_thread_outside_the_pool_continues_on_the_pool()
    {
        var inner = new CompletedElsewhere();
        await using var stream = new ThreadPoolStream(inner);

        var reading = stream.ReadAsync(new byte[16]).AsTask();
        var (onPool, thread) = await ContinuationOf(reading, inner);

        Assert.Equal(3, await reading);
        Assert.True(onPool, "the reader went on outside the thread pool");
        Assert.NotEqual(inner.CompletingThread, thread);
    }

    [Fact]
    public async Task A_write_completed_on_a_thread_outside_the_pool_continues_on_the_pool()
    {
        var inner = new CompletedElsewhere();
        await using var stream = new ThreadPoolStream(inner);

        var writing = stream.WriteAsync(new byte[16]).AsTask();
        var (onPool, thread) = await ContinuationOf(writing, inner);

        await writing;
        Assert.Equal(16, inner.Written);
        Assert.True(onPool, "the writer went on outside the thread pool");
        Assert.NotEqual(inner.CompletingThread, thread);
    }

    /// <summary>Where the caller of a pending operation goes on (a continuation that runs where the operation completes), once the inner stream completes it.</summary>
    private static Task<(bool OnPool, int Thread)> ContinuationOf(Task operation, CompletedElsewhere inner)
    {
        Assert.False(operation.IsCompleted);
        var continued = operation.ContinueWith(_ => (Thread.CurrentThread.IsThreadPoolThread, Environment.CurrentManagedThreadId),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        inner.Complete();
        return continued;
    }

    /// <summary>A stream whose one pending operation completes on a thread of its own, running its continuations there (as an inline socket completion does).</summary>
    private sealed class CompletedElsewhere : Stream
    {
        private readonly TaskCompletionSource<int> _pending = new(); // continuations run synchronously, on the completing thread
        private Func<int>? _result;

        public int CompletingThread { get; private set; }

        public int Written { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => Pending(() => 3);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(Pending(() => Written += buffer.Length).AsTask());

        private ValueTask<int> Pending(Func<int> result)
        {
            _result = result;
            return new(_pending.Task);
        }

        public void Complete()
        {
            var thread = new Thread(() => _pending.SetResult(_result!())) { IsBackground = true };
            CompletingThread = thread.ManagedThreadId;
            thread.Start();
        }

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
