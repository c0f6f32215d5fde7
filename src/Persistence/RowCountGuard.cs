using Npgsql;

namespace Tollgate.Persistence;

/// <summary>
/// Checks a guarded statement's row count inside PostgreSQL, so a transaction can end with its COMMIT in the same round trip
/// as its statements: a statement that changes other than the rows it must raises, which aborts the transaction before the
/// COMMIT runs, and names its batch command. The check is a session's temporary function, created on each connection the
/// committer opens (<see cref="CreateFunction"/>), so the committer needs nothing of the schema.
/// </summary>
internal static class RowCountGuard
{
    /// <summary>The SQLSTATE a guarded statement raises when it changed the wrong number of rows.</summary>
    public const string WrongCountState = "TG409";

    public const string CreateFunction = $"""
        CREATE OR REPLACE FUNCTION pg_temp.tollgate_expect_rows(changed bigint, expected integer, command integer) RETURNS integer
        LANGUAGE plpgsql AS $$
        BEGIN
            IF changed <> expected THEN
                RAISE EXCEPTION USING ERRCODE = '{WrongCountState}', MESSAGE = format('changed %s rows, not %s', changed, expected), HINT = command;
            END IF;
            RETURN changed;
        END $$
        """;

    /// <summary>
    /// <paramref name="sql"/> (an INSERT, UPDATE or DELETE taking <paramref name="parameters"/> values) as a statement that raises
    /// unless it changed as many rows as its next value says; the value after that is its command's index in the batch.
    /// </summary>
    public static string Wrap(string sql, int parameters) =>
        $"WITH changed AS ({sql} RETURNING 1) SELECT pg_temp.tollgate_expect_rows(count(*), ${parameters + 1}, ${parameters + 2}) FROM changed";

    /// <summary>Adds the two values <see cref="Wrap"/> appends: the rows the statement must change and its place in the batch.</summary>
    public static void AddExpectation(NpgsqlBatchCommand command, int rows, int index)
    {
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = rows });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
    }

    /// <summary>The index of the batch command whose row count was wrong, or null when <paramref name="error"/> is another error.</summary>
    public static int? WrongCountAt(PostgresException error) =>
        error.SqlState == WrongCountState && int.TryParse(error.Hint, out var index) ? index : null;
}
