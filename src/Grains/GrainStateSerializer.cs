using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Orleans.Storage;
using Tollgate.Grains.CallerIps;
using Tollgate.Grains.Keys;
using Tollgate.Grains.Models;

namespace Tollgate.Grains;

/// <summary>
/// How grain state is stored: plain JSON of the state's properties, with no type names in it (Orleans'
/// default writes .NET type names, so renaming or moving a class would make stored state unreadable).
/// The stored format is the property names; only the state types listed here can be stored, so a new
/// one is a deliberate choice. The documents are those the retired runtime stored, so they carried over.
/// </summary>
public sealed class GrainStateSerializer : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Info<T>()));

    public T? Deserialize<T>(BinaryData input) => (T?)JsonSerializer.Deserialize(input.ToMemory().Span, Info<T>());

    private static JsonTypeInfo Info<T>() =>
        GrainStateJson.Default.GetTypeInfo(typeof(T))
        ?? throw new InvalidOperationException($"{typeof(T)} is not a storable grain state: add it to {nameof(GrainStateJson)}.");
}

[JsonSerializable(typeof(ApiKeyState))]
[JsonSerializable(typeof(ModelState))]
[JsonSerializable(typeof(CallerIpState))]
internal sealed partial class GrainStateJson : JsonSerializerContext;
