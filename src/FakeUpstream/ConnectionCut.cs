using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Tollgate.FakeUpstream;

/// <summary>
/// Ends a connection the way a dropped upstream connection looks to its client, without a race. Installed as Kestrel
/// connection middleware, it stands between the HTTP layer and the transport and is a feature of the connection
/// (<c>context.Features.Get&lt;ConnectionCut&gt;()</c>). <see cref="Cut"/> completes the transport's output: the transport
/// sends every byte it was handed, then closes the connection (a FIN after the data). What the HTTP layer writes
/// afterwards (a chunked body's last chunk, the rest of a promised Content-Length) goes nowhere.
/// </summary>
/// <remarks>
/// Why not <c>HttpContext.Abort()</c>: Kestrel answers it with a reset at once, and a flushed response is only in the
/// transport's queue, not yet on the socket, so under load even the headers can be lost. Nor can the fake shut the
/// socket down itself (<c>Socket.Shutdown</c>): that races the same queue. Only the end of the transport's output waits for it.
/// </remarks>
internal sealed class ConnectionCut(PipeWriter transport) : PipeWriter
{
    private byte[] _void = [];
    private volatile bool _cut;

    /// <summary>Wraps each connection's output, so a response can <see cref="Cut"/> its connection.</summary>
    public static ConnectionDelegate Middleware(ConnectionDelegate next) => connection =>
    {
        var cut = new ConnectionCut(connection.Transport.Output);
        connection.Transport = new DuplexPipe(connection.Transport.Input, cut);
        connection.Features.Set(cut);
        return next(connection);
    };

    /// <summary>
    /// Ends the connection after what was written to it (the caller flushes first): the transport sends all of it, then
    /// closes. Later writes are dropped, as bytes are that a server writes to a connection already gone.
    /// </summary>
    public void Cut()
    {
        _cut = true;
        transport.Complete();
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _cut ? Void(sizeHint) : transport.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _cut ? Void(sizeHint).Span : transport.GetSpan(sizeHint);

    public override void Advance(int bytes)
    {
        if (!_cut) transport.Advance(bytes);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
        _cut ? default : transport.FlushAsync(cancellationToken);

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
        _cut ? default : transport.WriteAsync(source, cancellationToken);

    public override void CancelPendingFlush()
    {
        if (!_cut) transport.CancelPendingFlush();
    }

    public override void Complete(Exception? exception = null)
    {
        if (!_cut) transport.Complete(exception);
    }

    public override bool CanGetUnflushedBytes => transport.CanGetUnflushedBytes;

    public override long UnflushedBytes => _cut ? 0 : transport.UnflushedBytes;

    private Memory<byte> Void(int sizeHint)
    {
        if (_void.Length < Math.Max(sizeHint, 4096)) _void = new byte[Math.Max(sizeHint, 4096)];
        return _void;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;
        public PipeWriter Output => output;
    }
}
