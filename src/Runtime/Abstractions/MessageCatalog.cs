using System.Collections.Frozen;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Tollgate.Runtime;

/// <summary>
/// The wire contract: every grain message type with its name and its JSON (source-generated)
/// type info. Client and silo build the same catalog, so a name maps to the same types on both.
/// </summary>
public sealed class MessageCatalog
{
    private readonly Dictionary<string, MessageType> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, MessageType> _byType = [];
    private FrozenDictionary<Type, MessageType>? _frozenByType;

    /// <summary>Adds a request type; its wire name is the type's name, which must be unique.</summary>
    public MessageCatalog Add<TRequest, TResponse>(JsonSerializerContext json)
        where TRequest : IGrainRequest<TResponse>
    {
        if (_frozenByType is not null) throw new InvalidOperationException("The catalog is in use and can no longer change.");
        var request = (JsonTypeInfo<TRequest>)(json.GetTypeInfo(typeof(TRequest))
            ?? throw new InvalidOperationException($"No JSON type info for {typeof(TRequest)}."));
        var response = (JsonTypeInfo<TResponse>)(json.GetTypeInfo(typeof(TResponse))
            ?? throw new InvalidOperationException($"No JSON type info for {typeof(TResponse)}."));
        var type = new MessageType<TRequest, TResponse>(typeof(TRequest).Name, request, response);
        if (!_byName.TryAdd(type.Name, type)) throw new InvalidOperationException($"Message name {type.Name} is registered twice.");
        _byType.Add(typeof(TRequest), type);
        return this;
    }

    public MessageType Get(Type requestType) =>
        (_frozenByType ??= _byType.ToFrozenDictionary()).TryGetValue(requestType, out var type)
            ? type
            : throw new GrainException(GrainErrorCodes.UnknownMessage, $"Message type {requestType.Name} is not in the catalog.");

    public bool TryGet(string name, out MessageType type) => _byName.TryGetValue(name, out type!);
}

/// <summary>One message: its wire name and how to (de)serialize its request and response.</summary>
public abstract class MessageType(string name, Type requestType)
{
    public string Name { get; } = name;
    public Type RequestType { get; } = requestType;

    public abstract byte[] SerializeRequest(object request);
    public abstract object DeserializeRequest(ReadOnlySpan<byte> utf8);
    public abstract byte[] SerializeResponse(object? response);
    public abstract object? DeserializeResponse(ReadOnlySpan<byte> utf8);
}

internal sealed class MessageType<TRequest, TResponse>(string name, JsonTypeInfo<TRequest> request, JsonTypeInfo<TResponse> response)
    : MessageType(name, typeof(TRequest))
{
    public override byte[] SerializeRequest(object value) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes((TRequest)value, request);

    public override object DeserializeRequest(ReadOnlySpan<byte> utf8) =>
        System.Text.Json.JsonSerializer.Deserialize(utf8, request)
        ?? throw new GrainException(GrainErrorCodes.BadMessage, $"Empty {Name} message.");

    public override byte[] SerializeResponse(object? value) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes((TResponse)value!, response);

    public override object? DeserializeResponse(ReadOnlySpan<byte> utf8) => System.Text.Json.JsonSerializer.Deserialize(utf8, response);
}
