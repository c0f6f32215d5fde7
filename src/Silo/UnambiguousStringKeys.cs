using Orleans.Storage;

namespace Tollgate.Silo;

/// <summary>
/// Hands Orleans' ADO.NET grain storage keys it cannot misread. That storage takes a string key that parses
/// as a hexadecimal number or a GUID for that number (so models "ADA", "ada" and "0ada" would share one row,
/// and one would read the other's prices). Prefixed with <c>s:</c>, every string key stays the string it is;
/// the table's <c>grain_key</c> column shows it with the prefix.
/// </summary>
internal sealed class UnambiguousStringKeys(IGrainStorage storage) : IGrainStorage
{
    public const string Prefix = "s:";

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        storage.ReadStateAsync(stateName, Stored(grainId), grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        storage.WriteStateAsync(stateName, Stored(grainId), grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        storage.ClearStateAsync(stateName, Stored(grainId), grainState);

    private static GrainId Stored(GrainId grainId) => GrainId.Create(grainId.Type, IdSpan.Create(Prefix + grainId.Key));
}
