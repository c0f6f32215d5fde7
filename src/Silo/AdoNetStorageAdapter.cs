using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Tollgate.Grains;

namespace Tollgate.Silo;

/// <summary>
/// Stands between Tollgate's grains and Orleans' ADO.NET grain storage, for two of that storage's habits:
/// <list type="bullet">
/// <item>It takes a string key that parses as a hexadecimal number or a GUID for that number, so models
/// "ADA", "ada" and "0ada" would share one row and read each other's prices. Prefixed with <c>s:</c>, every
/// string key stays the string it is (the table's <c>grain_key</c> shows it with the prefix).</item>
/// <item>A database failure surfaces as Npgsql's exception, which cannot cross the cluster to a gateway (it
/// would be a 500). It becomes a retryable <see cref="ErrorCodes.StorageFailed"/>; a stale ETag stays an
/// <see cref="InconsistentStateException"/>, which Orleans answers by discarding the activation.</item>
/// </list>
/// </summary>
internal sealed class AdoNetStorageAdapter(IGrainStorage storage, ILogger<AdoNetStorageAdapter> logger) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(storage.ReadStateAsync(stateName, Stored(grainId), grainState), "read", grainId);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(storage.WriteStateAsync(stateName, Stored(grainId), grainState), "write", grainId);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guard(storage.ClearStateAsync(stateName, Stored(grainId), grainState), "clear", grainId);

    private static GrainId Stored(GrainId grainId) => GrainId.Create(grainId.Type, IdSpan.Create(GrainStorage.KeyPrefix + grainId.Key));

    private async Task Guard(Task operation, string what, GrainId grainId)
    {
        try
        {
            await operation;
        }
        catch (Exception ex) when (ex is not InconsistentStateException)
        {
            logger.LogWarning(ex, "Could not {Operation} the state of {Grain}", what, grainId);
            throw new TollgateException(ErrorCodes.StorageFailed, $"The state of {grainId} could not be {(what == "read" ? "read" : "stored")}; retry.");
        }
    }
}
