using System.Net;
using System.Net.Http.Headers;

namespace Tollgate.Gateway.Proxy;

/// <summary>
/// A request body that knows whether it was all sent (written and flushed to the connection): from then on the provider
/// may process it, and bill it, whatever the client does.
/// </summary>
internal sealed class SentContent : HttpContent
{
    private readonly ReadOnlyMemory<byte> _body;
    private volatile bool _sent;

    public SentContent(ReadOnlyMemory<byte> body, MediaTypeHeaderValue type)
    {
        _body = body;
        Headers.ContentType = type;
    }

    public bool Sent => _sent;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(_body, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        _sent = true;
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _body.Length;
        return true;
    }
}
