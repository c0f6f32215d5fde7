using System.Text;

namespace Tollgate.Gateway.Journal;

/// <summary>
/// The journal's fallback when PostgreSQL cannot take an entry either: one JSON line per settlement, appended and
/// flushed to disk before <see cref="AppendAsync"/> returns. Every open holds the file exclusively (an OS lock), so
/// gateways that share a directory take turns, and a drain never misses a line appended meanwhile.
/// </summary>
internal sealed class JournalFile(string directory)
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);

    public string Path { get; } = System.IO.Path.Combine(directory, "settlements.jsonl");

    /// <summary>Entries waiting in the file, as last seen by this process.</summary>
    public int Depth { get; private set; }

    public async Task AppendAsync(JournaledSettlement entry)
    {
        Directory.CreateDirectory(directory);
        byte[] line = [.. entry.ToJson(), (byte)'\n'];
        await using var file = await OpenAsync(FileMode.Append, FileAccess.Write);
        await file.WriteAsync(line);
        file.Flush(flushToDisk: true);
        Depth++;
    }

    /// <summary>
    /// Hands every entry in the file to <paramref name="move"/> and empties the file once it returns; if it throws,
    /// the file stays as it was. A line that cannot be read (a torn last write) is kept aside in a <c>.bad</c> file.
    /// </summary>
    public async Task DrainAsync(Func<IReadOnlyList<JournaledSettlement>, Task> move)
    {
        if (!File.Exists(Path)) return;
        await using var file = await OpenAsync(FileMode.Open, FileAccess.ReadWrite);
        using var reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        List<JournaledSettlement> entries = [];
        List<string> unreadable = [];
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0) continue;
            try
            {
                entries.Add(JournaledSettlement.FromJson(Encoding.UTF8.GetBytes(line)));
            }
            catch (System.Text.Json.JsonException)
            {
                unreadable.Add(line);
            }
        }
        Depth = entries.Count;
        if (entries.Count > 0) await move(entries);
        if (unreadable.Count > 0) await File.AppendAllLinesAsync(Path + ".bad", unreadable);
        file.SetLength(0);
        file.Flush(flushToDisk: true);
        Depth = 0;
    }

    private async Task<FileStream> OpenAsync(FileMode mode, FileAccess access)
    {
        var deadline = DateTime.UtcNow + LockWait;
        while (true)
        {
            try
            {
                return new FileStream(Path, mode, access, FileShare.None, bufferSize: 4096, FileOptions.Asynchronous);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(Path))
            {
                await Task.Delay(50); // another gateway holds the file
            }
        }
    }
}
