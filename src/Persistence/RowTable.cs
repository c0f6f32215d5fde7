using Npgsql;

namespace Tollgate.Persistence;

/// <summary>
/// A statement grain writes run on one row at a time (<see cref="GrainWrite.InsertRow"/>, <see cref="GrainWrite.UpdateRow"/>), with
/// its columns' PostgreSQL types. Rows go as one array per column through <c>unnest</c>, so one statement takes any number of them with
/// as many parameters as it has columns, and its text never changes: PostgreSQL plans it once, and no text or parameter is made per row.
/// </summary>
public sealed class RowTable
{
    private readonly string[] _types;
    private readonly string _sql;
    private readonly int _keyColumns; // how many leading columns name the row, for combining
    private readonly Func<object?[], object?[], object?[]?>? _combine;

    private RowTable(string name, bool updates, (string Column, string Type)[] columns, Func<string, string> sql)
    {
        Name = name;
        Updates = updates;
        _types = [.. columns.Select(column => Known(column.Type))];
        _sql = RowCountGuard.Wrap(sql($"unnest({string.Join(", ", columns.Select((column, i) => $"${i + 1}::{column.Type}[]"))})"), columns.Length);
    }

    /// <summary>New rows of table <paramref name="name"/>.</summary>
    /// <param name="onConflict">What makes a duplicate insert nothing, e.g. <c>ON CONFLICT (account_id, kind, op_key) DO NOTHING</c>.</param>
    /// <param name="columns">Each column and its type (<c>text</c>, <c>jsonb</c>, <c>bigint</c>, <c>integer</c>, <c>boolean</c> or <c>timestamptz</c>), in the order of the values.</param>
    public static RowTable Insert(string name, string onConflict, params (string Column, string Type)[] columns) =>
        new(name, updates: false, columns, rows => $"""
            INSERT INTO {name} ({string.Join(", ", columns.Select(column => column.Column))})
            SELECT * FROM {rows} {onConflict}
            """);

    /// <summary>
    /// Changes of existing rows of table <paramref name="name"/>: its values are named <c>given.column</c> in
    /// <paramref name="set"/> and <paramref name="where"/>, which must match at most one row per given row (its key and its version).
    /// </summary>
    public static RowTable Update(string name, string set, string where, params (string Column, string Type)[] columns) =>
        new(name, updates: true, columns, rows => $"""
            UPDATE {name} SET {set}
            FROM {rows} AS given({string.Join(", ", columns.Select(column => column.Column))})
            WHERE {where}
            """);

    /// <summary>
    /// The same table, whose rows the committer may combine: two updates of one owner's row in one transaction (its leading
    /// <paramref name="keyColumns"/> values equal) become the one row <paramref name="combine"/> returns for the earlier and the
    /// later, which must change the row as both in order would; null when they cannot be combined (then the later runs alone,
    /// after the earlier). One busy owner's writes then cost one row each per transaction instead of one statement each.
    /// </summary>
    public RowTable Combining(int keyColumns, Func<object?[], object?[], object?[]?> combine)
    {
        if (!Updates || keyColumns < 1 || keyColumns > Width) throw new ArgumentException("Only updates combine, by some of their columns.", nameof(keyColumns));
        return new RowTable(this, keyColumns, combine);
    }

    private RowTable(RowTable table, int keyColumns, Func<object?[], object?[], object?[]?> combine)
    {
        (Name, Updates, _types, _sql) = (table.Name, table.Updates, table._types, table._sql);
        (_keyColumns, _combine) = (keyColumns, combine);
    }

    /// <summary>Whether the committer may combine two updates of one row (see <see cref="Combining"/>).</summary>
    internal bool Combines => _combine is not null;

    /// <summary>Whether two rows given for this table change the same row; only known of a table that <see cref="Combines"/>.</summary>
    internal bool SameRow(object?[] earlier, object?[] later)
    {
        for (var column = 0; column < _keyColumns; column++)
        {
            if (!Equals(earlier[column], later[column])) return false;
        }
        return true;
    }

    /// <summary>One row for both, or null (see <see cref="Combining"/>).</summary>
    internal object?[]? Combine(object?[] earlier, object?[] later) => _combine?.Invoke(earlier, later);

    public string Name { get; }

    /// <summary>Whether it changes rows that exist (else it adds new ones).</summary>
    public bool Updates { get; }

    public int Width => _types.Length;

    /// <summary>One statement for <paramref name="rows"/>, in order, that raises unless it changes them all (see <see cref="RowCountGuard"/>).</summary>
    /// <param name="index">Its place in its batch, which a wrong count names.</param>
    internal NpgsqlBatchCommand Command(IReadOnlyList<object?[]> rows, int index)
    {
        var command = new NpgsqlBatchCommand(_sql);
        for (var column = 0; column < _types.Length; column++)
        {
            command.Parameters.Add(new NpgsqlParameter { DataTypeName = _types[column] + "[]", Value = Column(_types[column], rows, column) });
        }
        RowCountGuard.AddExpectation(command, rows.Count, index);
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
