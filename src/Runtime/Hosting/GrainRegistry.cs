using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Tollgate.Runtime.Hosting;

/// <summary>The grain types a silo hosts: how to create each, and which handler runs each message.</summary>
public sealed class GrainRegistry(MessageCatalog messages)
{
    private readonly Dictionary<string, GrainType> _types = new(StringComparer.Ordinal);

    public MessageCatalog Messages { get; } = messages;

    /// <summary>Registers <typeparamref name="TGrain"/> under <paramref name="name"/> with every <see cref="IHandle{TRequest,TResponse}"/> it implements.</summary>
    public GrainRegistry Add<TGrain>(string name) where TGrain : Grain
    {
        var factory = ActivatorUtilities.CreateFactory<TGrain>([]);
        var handlers = new Dictionary<string, MessageHandler>(StringComparer.Ordinal);
        var bind = typeof(GrainRegistry).GetMethod(nameof(Bind), BindingFlags.NonPublic | BindingFlags.Static)!;
        foreach (var contract in typeof(TGrain).GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IHandle<,>)))
        {
            var handler = (Func<Grain, object, Task<object?>>)bind.MakeGenericMethod(contract.GetGenericArguments()).Invoke(null, null)!;
            var message = Messages.Get(contract.GetGenericArguments()[0]);
            handlers.Add(message.Name, new MessageHandler(message, handler));
        }
        if (!_types.TryAdd(name, new GrainType(name, services => factory(services, []), handlers)))
            throw new InvalidOperationException($"Grain type {name} is registered twice.");
        return this;
    }

    internal GrainType Get(string name) =>
        _types.TryGetValue(name, out var type) ? type : throw new GrainException(GrainErrorCodes.UnknownGrainType, $"Unknown grain type '{name}'.");

    private static Func<Grain, object, Task<object?>> Bind<TRequest, TResponse>() where TRequest : IGrainRequest<TResponse> =>
        async (grain, request) => await ((IHandle<TRequest, TResponse>)grain).Handle((TRequest)request).ConfigureAwait(false);
}

internal sealed record GrainType(string Name, Func<IServiceProvider, Grain> Create, Dictionary<string, MessageHandler> Handlers)
{
    public MessageHandler Handler(string message) =>
        Handlers.TryGetValue(message, out var handler) ? handler : throw new GrainException(GrainErrorCodes.UnknownMessage, $"Grain type '{Name}' does not handle '{message}'.");
}

internal sealed record MessageHandler(MessageType Message, Func<Grain, object, Task<object?>> Invoke);
