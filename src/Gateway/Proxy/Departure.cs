namespace Tollgate.Gateway.Proxy;

/// <summary>
/// How long an exchange with a provider outlives its client: <see cref="Token"/> is cancelled
/// <c>Proxy:DrainAfterDisconnect</c> after the client left, so the gateway can wait for the provider's usage, but not
/// for ever; at once if the request had not all been sent, since the provider then processes nothing.
/// </summary>
internal sealed class Departure : IDisposable
{
    private readonly CancellationTokenSource _over = new();
    private readonly CancellationTokenRegistration _left;

    public Departure(CancellationToken clientAborted, TimeSpan drain, SentContent request)
    {
        _left = clientAborted.Register(() =>
        {
            if (drain > TimeSpan.Zero && request.Sent) _over.CancelAfter(drain);
            else _over.Cancel();
        });
    }

    /// <summary>Cancelled once the gateway has waited long enough for a client that left.</summary>
    public CancellationToken Token => _over.Token;

    public void Dispose()
    {
        _left.Dispose(); // first: the callback must not touch a disposed source
        _over.Dispose();
    }
}
