using Tollgate.Runtime.Activations;

namespace Tollgate.Runtime.Hosting;

/// <summary>Calls grains of this silo directly, without the network or serialization (in-process hosts, benchmarks).</summary>
public sealed class LocalGrainCaller : IGrainCaller
{
    private readonly Catalog _catalog;
    private readonly MessageCatalog _messages;
    private readonly SiloOptions _options;

    internal LocalGrainCaller(Catalog catalog, GrainRegistry registry, SiloOptions options)
    {
        _catalog = catalog;
        _messages = registry.Messages;
        _options = options;
    }

    public async Task<TResponse> CallAsync<TResponse>(GrainId grain, IGrainRequest<TResponse> request, CancellationToken cancellationToken = default)
    {
        var message = _messages.Get(request.GetType()).Name;
        var result = await _catalog.InvokeAsync(grain, message, request, _options.CallTimeout)
            .WaitAsync(_options.CallTimeout, cancellationToken).ConfigureAwait(false);
        return (TResponse)result!;
    }
}
