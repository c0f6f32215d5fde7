using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Tollgate.Runtime.Transport;

/// <summary>
/// A client's call stream to one silo: one long-lived HTTP/2 request whose body carries calls and
/// whose response carries their answers, matched by call id (see <see cref="CallFrames"/>). Calls
/// queued together are written in one flush. Compared with a request per call it saves HTTP's
/// per-request work on both sides, which profiles showed to be the largest cost of a grain call.
/// When the stream breaks, every call waiting on it fails as unavailable (the client retries:
/// every grain message is idempotent) and the next call opens a new stream.
/// </summary>
internal sealed class SiloConnection : IDisposable
{
    /// <summary>Calls waiting to be written; beyond it a call is refused as overloaded rather than queued without bound.</summary>
    public const int MaxQueued = 65_536;

    private static readonly MediaTypeHeaderValue StreamContentType = new(CallFrames.ContentType);

    private readonly Uri _silo;
    private readonly ILogger _logger;
    private readonly Channel<(int Id, byte[] Envelope)> _outgoing =
        Channel.CreateBounded<(int, byte[])>(new BoundedChannelOptions(MaxQueued) { SingleReader = true });
    private readonly ConcurrentDictionary<int, TaskCompletionSource<CallAnswer>> _waiting = new();
    private readonly CancellationTokenSource _closed = new();
    private int _nextId;
    private volatile bool _broken;

    public SiloConnection(HttpMessageInvoker http, Uri silo, ILogger logger)
    {
        _silo = silo;
        _logger = logger;
        _ = RunAsync(http);
    }

    /// <summary>True once the stream has failed or closed; the client then opens a new one.</summary>
    public bool IsBroken => _broken;

    /// <summary>Sends a call and waits for its answer; throws a transient <see cref="GrainException"/> when the stream fails first.</summary>
    public async Task<CallAnswer> CallAsync(byte[] envelope, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<CallAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = answer;
        try
        {
            // Checked after registering: a stream that breaks from now on fails this call too.
            if (_broken) throw Lost();
            if (!_outgoing.Writer.TryWrite((id, envelope)))
                throw _broken ? Lost() : new GrainException(GrainErrorCodes.Overloaded, $"More than {MaxQueued} calls are queued for silo {_silo}.");
            return await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _waiting.TryRemove(id, out _);
        }
    }

    private async Task RunAsync(HttpMessageInvoker http)
    {
        Exception? failure = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_silo, CallFrames.Path))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new CallsContent(_outgoing.Reader),
            };
            using var response = await http.SendAsync(request, _closed.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK) throw new HttpRequestException($"The silo answered {(int)response.StatusCode} to a call stream.");
            await using var body = await response.Content.ReadAsStreamAsync(_closed.Token).ConfigureAwait(false);
            await ReadAnswersAsync(PipeReader.Create(body)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            Break(failure);
        }
    }

    private async Task ReadAnswersAsync(PipeReader input)
    {
        while (true)
        {
            var read = await input.ReadAsync(_closed.Token).ConfigureAwait(false);
            var buffer = read.Buffer;
            while (CallFrames.TryRead(ref buffer, out var id, out var body))
            {
                // No one waits when the call timed out or was cancelled: the late answer is dropped.
                if (_waiting.TryGetValue(id, out var answer)) answer.TrySetResult(CallFrames.ReadAnswer(body));
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted) return; // the silo ended the stream (it is stopping)
        }
    }

    private void Break(Exception? failure)
    {
        _broken = true;
        _outgoing.Writer.TryComplete();
        if (failure is not null && !_closed.IsCancellationRequested)
            _logger.LogDebug("The call stream to silo {Silo} failed: {Error}", _silo, failure.Message);
        foreach (var waiting in _waiting.Values) waiting.TrySetException(Lost());
    }

    private GrainException Lost() =>
        new(GrainErrorCodes.Unavailable, $"The call stream to silo {_silo} closed before the call was answered; its effect is unknown.");

    public void Dispose()
    {
        _closed.Cancel();
        _outgoing.Writer.TryComplete();
    }

    /// <summary>The request body: writes queued calls as they come, all that are ready in one write and flush.</summary>
    private sealed class CallsContent : HttpContent
    {
        private const int FlushBytes = 64 * 1024;
        private readonly ChannelReader<(int Id, byte[] Envelope)> _calls;

        public CallsContent(ChannelReader<(int Id, byte[] Envelope)> calls)
        {
            _calls = calls;
            Headers.ContentType = StreamContentType;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var frames = new ArrayBufferWriter<byte>(FlushBytes);
            while (await _calls.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (frames.WrittenCount < FlushBytes && _calls.TryRead(out var call)) CallFrames.WriteCall(frames, call.Id, call.Envelope);
                await stream.WriteAsync(frames.WrittenMemory, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                frames.ResetWrittenCount();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
