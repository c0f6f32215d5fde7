using Npgsql;

namespace Tollgate.Persistence;

/// <summary>
/// A table grain writes add rows to (<see cref="GrainWrite.InsertRow"/>), with its columns' PostgreSQL types. Rows go as one
/// array per column through <c>unnest</c>, so one statement inserts any number of them with as many parameters as the table
/// has columns, and its text never changes: PostgreSQL plans it once, and no text or parameter is made per row.
/// </summary>
/// <param name="onConflict">What makes a duplicate insert nothing, e.g. <c>ON CONFLICT (account_id, kind, op_key) DO NOTHING</c>.</param>
/// <param name="columns">Each column and its type (<c>text</c>, <c>jsonb</c>, <c>bigint</c>, <c>integer</c>, <c>boolean</c> or <c>timestamptz</c>), in the order of the values.</param>
public sealed class RowTable(string name, string onConflict, params (string Column, string Type)[] columns)
{
    private readonly string[] _types = [.. columns.Select(column => Known(column.Type))];
    private readonly string _sql = $"""
        INSERT INTO {name} ({string.Join(", ", columns.Select(column => column.Column))})
        SELECT * FROM unnest({string.Join(", ", columns.Select((column, i) => $"${i + 1}::{column.Type}[]"))}) {onConflict}
        """;

    public string Name { get; } = name;

    public int Width => _types.Length;

    /// <summary>One INSERT of <paramref name="rows"/>, in order.</summary>
    internal NpgsqlBatchCommand Insert(IReadOnlyList<object?[]> rows)
    {
        var command = new NpgsqlBatchCommand(_sql);
        for (var column = 0; column < _types.Length; column++)
        {
            command.Parameters.Add(new NpgsqlParameter { DataTypeName = _types[column] + "[]", Value = Column(_types[column], rows, column) });
        }
        return command;
    }

    private static Array Column(string type, IReadOnlyList<object?[]> rows, int column) => type switch
    {
        "text" or "jsonb" => Fill<string?>(rows, column),
        "bigint" => Fill<long?>(rows, column),
        "integer" => Fill<int?>(rows, column),
        "boolean" => Fill<bool?>(rows, column),
        _ => Array.ConvertAll(Fill<DateTimeOffset?>(rows, column), time => time?.ToUniversalTime()), // Npgsql writes timestamptz from UTC only
    };

    private static T[] Fill<T>(IReadOnlyList<object?[]> rows, int column)
    {
        var values = new T[rows.Count];
        for (var row = 0; row < values.Length; row++)
        {
            var value = rows[row][column];
            values[row] = value is null ? default! : (T)value;
        }
        return values;
    }

    private static string Known(string type) => type is "text" or "jsonb" or "bigint" or "integer" or "boolean" or "timestamptz" ? type
        : throw new ArgumentException($"A row table's column cannot be of type {type}.", "columns");
}
