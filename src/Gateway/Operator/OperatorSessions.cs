using System.Security.Cryptography;
using Npgsql;

namespace Tollgate.Gateway.Operator;

/// <summary>
/// Operator sessions, remembered server-side in <c>operator_sessions</c>: a cookie names its session, and a session
/// that was signed out (or expired) is refused on every gateway, even with a copy of the cookie taken before.
/// One query per console request: the console's traffic is an operator's, not callers'.
/// </summary>
internal sealed class OperatorSessions(NpgsqlDataSource database, TimeProvider time)
{
    public const string SessionClaim = "tollgate:session";

    public async Task<string> OpenAsync(TimeSpan lifetime)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await using var open = database.CreateCommand("INSERT INTO operator_sessions (session_id, expires_at) VALUES ($1, $2)");
        open.Parameters.Add(new NpgsqlParameter { Value = id });
        open.Parameters.Add(new NpgsqlParameter { Value = (time.GetUtcNow() + lifetime).UtcDateTime });
        await open.ExecuteNonQueryAsync();
        return id;
    }

    /// <summary>Whether the session is open: not signed out, not expired. Its expiry slides with use, as the cookie's does.</summary>
    public async Task<bool> IsOpenAsync(string? id, TimeSpan lifetime)
    {
        if (id is not { Length: 32 }) return false;
        await using var touch = database.CreateCommand("""
            UPDATE operator_sessions SET expires_at = greatest(expires_at, $2)
            WHERE session_id = $1 AND ended_at IS NULL AND expires_at > now()
            """);
        touch.Parameters.Add(new NpgsqlParameter { Value = id });
        touch.Parameters.Add(new NpgsqlParameter { Value = (time.GetUtcNow() + lifetime).UtcDateTime });
        return await touch.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>Ends the session (sign-out), and forgets sessions long over.</summary>
    public async Task EndAsync(string? id)
    {
        await using var end = database.CreateBatch();
        end.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE operator_sessions SET ended_at = now() WHERE session_id = $1 AND ended_at IS NULL")
        {
            Parameters = { new NpgsqlParameter { Value = id ?? "" } },
        });
        end.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM operator_sessions WHERE expires_at < now() - interval '1 day'"));
        await end.ExecuteNonQueryAsync();
    }
}
