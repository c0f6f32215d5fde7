using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace Tollgate.Runtime.Transport;

/// <summary>
/// The silo's side of one call stream: reads call frames from the request body as they arrive, runs
/// each on its grain, and writes each answer to the response as soon as it is ready, so a slow call
/// (one waiting for a commit) never holds back a fast one. Answers ready together go out in one
/// flush. At most <see cref="MaxInFlight"/> calls run per stream; beyond that the stream stops
/// reading, and HTTP/2 flow control pushes back on the client.
/// </summary>
internal sealed class CallStreamSession
{
    public const int MaxInFlight = 4096;

    private readonly GrainCallDispatcher _dispatcher;
    private readonly ILogger _logger;
    private readonly Channel<(int Id, CallAnswer Answer)> _answers = Channel.CreateUnbounded<(int, CallAnswer)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _slots = new(MaxInFlight, MaxInFlight);
    private int _running = 1; // the reader's own count: answers are complete once it and every call are done

    private CallStreamSession(GrainCallDispatcher dispatcher, ILogger logger)
    {
        _dispatcher = dispatcher;
        _logger = logger;
    }

    /// <summary>Creates sessions, and ends them all once the silo has handed off its partitions and is stopping.</summary>
    internal sealed class Factory(GrainCallDispatcher dispatcher, ILogger<CallStreamSession> logger) : IDisposable
    {
        private readonly CancellationTokenSource _closing = new();

        /// <summary>Stops reading new calls on every stream; calls already read are still answered.</summary>
        public void CloseAll() => _closing.Cancel();

        public Task RunAsync(HttpContext context) => new CallStreamSession(dispatcher, logger).RunAsync(context, _closing.Token);

        public void Dispose() => _closing.Dispose();
    }

    private async Task RunAsync(HttpContext context, CancellationToken closing)
    {
        // A stream is long-lived and may idle: Kestrel's minimum data rates would abort it.
        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } requestRate) requestRate.MinDataRate = null;
        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } responseRate) responseRate.MinDataRate = null;
        context.Response.ContentType = CallFrames.ContentType;
        await context.Response.StartAsync(context.RequestAborted); // headers now, so the client starts reading answers

        var writing = WriteAnswersAsync(context.Response.BodyWriter, context.RequestAborted);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, closing);
        try
        {
            await ReadCallsAsync(context.Request.BodyReader, context.RequestAborted, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (InvalidDataException ex)
        {
            _logger.LogWarning("Closing a call stream from {Client}: {Error}", context.Connection.RemoteIpAddress, ex.Message);
        }
        catch (IOException)
        {
            // The client went away.
        }
        Done();
        await writing;
    }

    private async Task ReadCallsAsync(PipeReader input, CancellationToken aborted, CancellationToken stop)
    {
        while (true)
        {
            var read = await input.ReadAsync(stop);
            var buffer = read.Buffer;
            try
            {
                while (CallFrames.TryRead(ref buffer, out var id, out var envelope))
                {
                    await _slots.WaitAsync(stop);
                    Interlocked.Increment(ref _running);
                    _ = AnswerAsync(id, Dispatch(envelope, aborted));
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
            if (read.IsCompleted) return;
        }
    }

    private Task<CallAnswer> Dispatch(ReadOnlySequence<byte> envelope, CancellationToken aborted)
    {
        if (envelope.IsSingleSegment) return _dispatcher.DispatchAsync(envelope.FirstSpan, aborted);
        var copy = ArrayPool<byte>.Shared.Rent((int)envelope.Length);
        try
        {
            envelope.CopyTo(copy);
            return _dispatcher.DispatchAsync(copy.AsSpan(0, (int)envelope.Length), aborted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private async Task AnswerAsync(int id, Task<CallAnswer> answer)
    {
        _answers.Writer.TryWrite((id, await answer.ConfigureAwait(false))); // DispatchAsync never throws
        Done();
    }

    private void Done()
    {
        if (Interlocked.Decrement(ref _running) == 0) _answers.Writer.TryComplete();
    }

    private async Task WriteAnswersAsync(PipeWriter output, CancellationToken aborted)
    {
        var answers = _answers.Reader;
        try
        {
            while (await answers.WaitToReadAsync(aborted))
            {
                while (answers.TryRead(out var item))
                {
                    CallFrames.WriteAnswer(output, item.Id, item.Answer);
                    _slots.Release();
                }
                if ((await output.FlushAsync(aborted)).IsCompleted) return;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away: its calls' answers are lost, and it retries them elsewhere.
        }
    }
}
