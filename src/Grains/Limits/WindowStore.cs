using Npgsql;
using Tollgate.Persistence;

namespace Tollgate.Grains.Limits;

/// <summary>SQL of the <c>limit_windows</c> table: the checkpoints of API keys, models and caller IPs, fenced by version.</summary>
internal static class WindowStore
{
    /// <summary>The stored checkpoint of a grain and its version (null and 0 when it has none).</summary>
    public static async Task<(LimiterState? State, long Version)> LoadAsync(NpgsqlDataSource database, string grain)
    {
        await using var load = database.CreateCommand("SELECT version, state::text FROM limit_windows WHERE grain = $1");
        load.Parameters.Add(new NpgsqlParameter { Value = grain });
        await using var reader = await load.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return (null, 0);
        return (LimiterState.FromJson(System.Text.Encoding.UTF8.GetBytes(reader.GetString(1))), reader.GetInt64(0));
    }

    /// <summary>
    /// A checkpoint over the version the activation knows (0: none stored yet). It changes nothing unless the stored
    /// version is still that one, so a stale activation (one paused past its death, say) cannot overwrite a newer one.
    /// </summary>
    public static GrainWrite Save(string grain, long expectedVersion, LimiterState state)
    {
        var json = System.Text.Encoding.UTF8.GetString(state.ToJson());
        return expectedVersion == 0
            ? new GrainWrite(grain).Guarded("INSERT INTO limit_windows (grain, version, state) VALUES ($1, 1, $2::jsonb) ON CONFLICT (grain) DO NOTHING", grain, json)
            : new GrainWrite(grain).UpdateRow(Checkpoints, grain, expectedVersion, json);
    }

    /// <summary>Checkpoints of many grains go as one statement (see <see cref="Save"/>).</summary>
    private static readonly RowTable Checkpoints = RowTable.Update("limit_windows",
        "state = given.state, version = given.version + 1, updated_at = now()",
        "limit_windows.grain = given.grain AND limit_windows.version = given.version",
        ("grain", "text"), ("version", "bigint"), ("state", "jsonb"));
}
