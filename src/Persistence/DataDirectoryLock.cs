using System.Globalization;

namespace Tollgate.Persistence;

/// <summary>A private PostgreSQL's data folder is used by another process: one still running, or one that did not finish stopping in time.</summary>
public sealed class DataDirectoryBusyException(string message) : Exception(message);

/// <summary>
/// One process at a time owns a persistent data folder of <see cref="LocalPostgres"/>, from before its server starts
/// until after it has stopped: an exclusive lock on <c>{folder}.lock</c> beside the folder (the OS releases it when the
/// process ends, however it ends), and the owner's pid and state (<c>running</c>, <c>stopping</c>) in
/// <c>{folder}.owner</c>. Without it a run started while the previous one was still stopping took over the previous
/// run's server, whose stop then pulled the database from under the new run ("Connection is not open").
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string Running = "running", Stopping = "stopping";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    private readonly FileStream _lock;
    private readonly string _ownerFile;

    private DataDirectoryLock(FileStream held, string ownerFile) => (_lock, _ownerFile) = (held, ownerFile);

    /// <summary>
    /// Takes the folder. While its owner is stopping, waits for it up to <paramref name="wait"/> (saying so once through
    /// <paramref name="notice"/>); an owner that is running, or one still stopping after the wait, is a
    /// <see cref="DataDirectoryBusyException"/> naming its pid.
    /// </summary>
    public static async Task<DataDirectoryLock> AcquireAsync(string dataDirectory, TimeSpan wait, Action<string>? notice, CancellationToken ct = default)
    {
        var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory));
        Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
        var (lockFile, ownerFile) = (folder + ".lock", folder + ".owner");
        var deadline = DateTime.UtcNow + wait;
        var told = false;
        while (true)
        {
            try
            {
                var held = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                var taken = new DataDirectoryLock(held, ownerFile);
                taken.Write(Running);
                return taken;
            }
            catch (IOException) when (File.Exists(lockFile))
            {
                var (pid, state) = ReadOwner(ownerFile);
                var who = pid is null ? "Another process" : $"Another process (pid {pid})";
                if (state == Running)
                    throw new DataDirectoryBusyException($"{who} is running a PostgreSQL in {folder}: stop it first (Ctrl-C where it runs), or use another data folder.");
                if (DateTime.UtcNow >= deadline)
                    throw new DataDirectoryBusyException($"{who} has still not stopped its PostgreSQL in {folder} after {wait.TotalSeconds:0} s: stop it{(pid is null ? "" : $" (kill {pid})")} and start again.");
                if (!told) notice?.Invoke($"{who} is still stopping its PostgreSQL in {folder}: waiting for it (at most {wait.TotalSeconds:0} s) ...");
                told = true;
                await Task.Delay(Poll, ct);
            }
        }
    }

    /// <summary>Tells a process that finds the folder taken that this one is stopping: it waits rather than gives up.</summary>
    public void MarkStopping() => Write(Stopping);

    /// <summary>Lets the folder go (the owner file stays: a process that reads it meanwhile is told its last state).</summary>
    public void Dispose() => _lock.Dispose();

    private void Write(string state)
    {
        try
        {
            File.WriteAllText(_ownerFile, $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)} {state}\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The lock alone still keeps a second owner out; only the message to a waiting process is vaguer.
        }
    }

    private static (string? Pid, string? State) ReadOwner(string ownerFile)
    {
        try
        {
            var fields = File.ReadAllText(ownerFile).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return fields.Length == 2 ? (fields[0], fields[1]) : (null, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, null);
        }
    }
}
