using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Npgsql;
using NpgsqlTypes;

namespace Tollgate.Runtime.Persistence;

/// <summary>
/// Generic persisted grain state: one JSON document per (grain type, grain key) in
/// <c>grain_state</c>, with a version for optimistic concurrency. Grains whose state is not
/// money (keys, limits, prices) keep it here; writes go through the group committer like any other.
/// </summary>
public static class GrainStateStore
{
    /// <summary>The stored state and its version, or (null, 0) when the grain has none yet.</summary>
    public static async Task<(T? State, long Version)> LoadAsync<T>(NpgsqlDataSource database, GrainId grain, JsonTypeInfo<T> json)
    {
        await using var load = database.CreateCommand("SELECT state::text, version FROM grain_state WHERE grain_type = $1 AND grain_key = $2");
        load.Parameters.Add(new NpgsqlParameter { Value = grain.Type });
        load.Parameters.Add(new NpgsqlParameter { Value = grain.Key });
        await using var reader = await load.ExecuteReaderAsync().ConfigureAwait(false);
        if (!await reader.ReadAsync().ConfigureAwait(false)) return (default, 0);
        return (JsonSerializer.Deserialize(reader.GetString(0), json), reader.GetInt64(1));
    }

    /// <summary>
    /// A write that stores <paramref name="state"/> as version <paramref name="expectedVersion"/> + 1; it
    /// conflicts unless the stored version is still <paramref name="expectedVersion"/> (0: none stored yet).
    /// </summary>
    public static GrainWrite Write<T>(GrainId grain, T state, long expectedVersion, JsonTypeInfo<T> json)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);
        var document = new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(state, json) };
        return expectedVersion == 0
            ? new GrainWrite(grain).Guarded("""
                INSERT INTO grain_state (grain_type, grain_key, version, state) VALUES ($1, $2, 1, $3)
                ON CONFLICT (grain_type, grain_key) DO NOTHING
                """, grain.Type, grain.Key, document)
            : new GrainWrite(grain).Guarded("""
                UPDATE grain_state SET state = $3, version = $4 + 1, updated_at = now()
                WHERE grain_type = $1 AND grain_key = $2 AND version = $4
                """, grain.Type, grain.Key, document, expectedVersion);
    }
}
