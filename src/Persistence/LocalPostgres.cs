using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Tollgate.Persistence;

/// <summary>Where the cluster lives, and whether it is throw-away (no fsync, deleted on dispose).</summary>
public sealed record LocalPostgresOptions(string DataDirectory, bool Ephemeral)
{
    /// <summary>A persistent folder still owned by a process that is stopping: how long to wait for it (<see cref="DataDirectoryLock"/>).</summary>
    public TimeSpan PreviousOwnerWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Told what the start waits for (a previous owner still stopping), for a person watching.</summary>
    public Action<string>? Notice { get; init; }
}

/// <summary>
/// A private PostgreSQL server run from the machine's own binaries (initdb/pg_ctl), so local runs and
/// tests need no Docker and no shared server. Listens only on loopback and asks for a password, generated
/// once and kept in the data folder (<c>tollgate-password</c>, readable by its owner only), as is the port
/// (<c>tollgate-port</c>: the same one on every start while it is free). Unix only.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private const string OsUser = "postgres";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(90);

    private readonly string _binDir;
    private readonly string _dataDir;
    private readonly bool _asPostgresUser;
    private readonly LocalPostgresOptions _options;
    private readonly string? _ownSocketDir;
    private readonly ILogger? _logger;
    private readonly object _gate = new();
    private readonly DataDirectoryLock? _owned;
    private Task? _stopTask;

    private LocalPostgres(LocalPostgresOptions options, string binDir, string dataDir, bool asPostgresUser, string? ownSocketDir, ILogger? logger, DataDirectoryLock? owned)
    {
        (_options, _binDir, _dataDir, _asPostgresUser, _ownSocketDir, _logger, _owned) = (options, binDir, dataDir, asPostgresUser, ownSocketDir, logger, owned);
    }

    public int Port { get; private set; }
    public string ConnectionString => ConnectionStringFor("postgres");
    private string LogFile => Path.Combine(_dataDir, "tollgate-postgres.log");
    private string PasswordFile => Path.Combine(_dataDir, "tollgate-password");
    private string PortFile => Path.Combine(_dataDir, "tollgate-port");
    private string _password = "";
    private string[] StopArgs => ["-D", _dataDir, "-w", "-t", "60", "stop", "-m", "fast"];

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Password = _password, Database = database }.ToString();

    public static async Task<LocalPostgres> StartAsync(LocalPostgresOptions options, ILogger? logger = null, CancellationToken ct = default)
    {
        var binDir = FindBinDir();
        var dataDir = Path.GetFullPath(options.DataDirectory);
        // PostgreSQL refuses to run as root, so as root every tool runs as the 'postgres' OS user.
        var asPostgres = IsRoot();
        // A persistent folder is this process's alone until its server has stopped; a throw-away one is never shared.
        var owned = options.Ephemeral ? null : await DataDirectoryLock.AcquireAsync(dataDir, options.PreviousOwnerWait, options.Notice, ct);
        Directory.CreateDirectory(dataDir);
        // Unix socket paths are capped at ~107 bytes (dir + "/.s.PGSQL.NNNNN"); long data dirs get a short /tmp dir.
        string? ownSocketDir = Encoding.UTF8.GetByteCount(dataDir) + 16 <= 107 ? null : Path.Combine("/tmp", "tgpg-" + Guid.NewGuid().ToString("N")[..10]);
        if (ownSocketDir is not null) Directory.CreateDirectory(ownSocketDir);
        var pg = new LocalPostgres(options, binDir, dataDir, asPostgres, ownSocketDir, logger, owned);
        try
        {
            if (asPostgres) await pg.EnsurePostgresUserAsync(ct);
            if (asPostgres) await pg.GrantToPostgresUserAsync(ct);
            var trusting = await pg.InitOrRecoverAsync(ct);
            await pg.StartServerAsync(ct);
            if (trusting) await pg.RequirePasswordAsync(ct);
            await pg.VerifyAsync(ct);
            logger?.LogInformation("Local PostgreSQL ({BinDir}) listening on 127.0.0.1:{Port}, data in {DataDir}", binDir, pg.Port, dataDir);
            return pg;
        }
        catch
        {
            // Never leave a half-started server behind.
            try { await pg.DisposeAsync(); } catch (Exception e) { logger?.LogWarning(e, "Cleanup after failed start failed"); }
            throw;
        }
    }

    /// <summary>Stops the server (pg_ctl stop -m fast). Safe to call repeatedly and concurrently.</summary>
    public Task StopAsync()
    {
        lock (_gate) return _stopTask ??= StopCoreAsync();
    }

    /// <summary>
    /// Says that this process is on its way out (its users stopping before the server does): a new process that wants
    /// the data folder meanwhile waits for it instead of giving up.
    /// </summary>
    public void MarkStopping() => _owned?.MarkStopping();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
            if (_ownSocketDir is not null) TryDelete(_ownSocketDir);
            if (_options.Ephemeral) TryDelete(_dataDir);
        }
        finally
        {
            _owned?.Dispose(); // only now may another process start a server on the folder
        }
    }

    private async Task StopCoreAsync()
    {
        MarkStopping();
        if (!File.Exists(Path.Combine(_dataDir, "postmaster.pid"))) return;
        var (code, output) = await RunToolAsync("pg_ctl", StopArgs, CancellationToken.None);
        if (code != 0 && File.Exists(Path.Combine(_dataDir, "postmaster.pid")))
            _logger?.LogWarning("pg_ctl stop exited {Code}: {Output}", code, output);
    }

    /// <summary>Creates the cluster (with a password) or takes over an existing one; true when that one still trusts every local connection.</summary>
    private async Task<bool> InitOrRecoverAsync(CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(_dataDir, "PG_VERSION")))
        {
            _password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            // initdb reads the password from a file (never a command line, which other users can see).
            var passwordFile = Path.Combine(Path.GetTempPath(), "tgpw-" + Guid.NewGuid().ToString("N"));
            await File.WriteAllTextAsync(passwordFile, _password, ct);
            try
            {
                if (_asPostgresUser) await RunAsync(new ProcessStartInfo("chown") { ArgumentList = { OsUser + ":", passwordFile } }, ct);
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                List<string> args = ["-D", _dataDir, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--no-locale"];
                if (_options.Ephemeral) args.Add("--no-sync");
                var (code, output) = await RunToolAsync("initdb", args, ct);
                if (code != 0) throw new InvalidOperationException($"initdb failed (exit {code}) for {_dataDir}:\n{output}");
            }
            finally
            {
                File.Delete(passwordFile);
            }
            await SavePrivateAsync(PasswordFile, _password, ct);
            return false;
        }
        var trusting = !File.Exists(PasswordFile);
        _password = trusting ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : (await File.ReadAllTextAsync(PasswordFile, ct)).Trim();
        // Reusing persistent data: a server left over from an unclean exit would hold the data dir.
        var (status, _) = await RunToolAsync("pg_ctl", ["-D", _dataDir, "status"], ct);
        if (status == 0)
        {
            _logger?.LogWarning("Stopping a leftover PostgreSQL server on {DataDir}", _dataDir);
            await RunToolAsync("pg_ctl", StopArgs, ct);
        }
        return trusting;
    }

    /// <summary>A data folder made before passwords (it trusts every local connection): give it one, then ask for it.</summary>
    private async Task RequirePasswordAsync(CancellationToken ct)
    {
        var trusted = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = "postgres", Pooling = false }.ToString();
        await using (var connection = new NpgsqlConnection(trusted))
        {
            await connection.OpenAsync(ct);
            await using var alter = new NpgsqlCommand($"ALTER USER postgres PASSWORD '{_password}'", connection); // hex: nothing to escape
            await alter.ExecuteNonQueryAsync(ct);
        }
        var hba = Path.Combine(_dataDir, "pg_hba.conf");
        var lines = (await File.ReadAllLinesAsync(hba, ct)).Select(line =>
            line.TrimStart().StartsWith('#') ? line : System.Text.RegularExpressions.Regex.Replace(line, @"\btrust\s*$", "scram-sha-256"));
        await File.WriteAllLinesAsync(hba, lines, ct);
        var (code, output) = await RunToolAsync("pg_ctl", ["-D", _dataDir, "reload"], ct);
        if (code != 0) throw new InvalidOperationException($"pg_ctl reload failed (exit {code}):\n{output}");
        await SavePrivateAsync(PasswordFile, _password, ct);
        _logger?.LogInformation("The private PostgreSQL in {DataDir} now asks for a password (kept in {File})", _dataDir, PasswordFile);
    }

    /// <summary>Writes a file only its owner may read (as root, the data folder's owner is the postgres user; root reads it anyway).</summary>
    private static async Task SavePrivateAsync(string path, string text, CancellationToken ct)
    {
        await File.WriteAllTextAsync(path, text, ct);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private async Task StartServerAsync(CancellationToken ct)
    {
        var saved = !_options.Ephemeral && File.Exists(PortFile) && int.TryParse(await File.ReadAllTextAsync(PortFile, ct), out var port) ? port : 0;
        for (var attempt = 1; ; attempt++)
        {
            // The same port as last time while it is free, so a connection string printed once keeps working.
            Port = attempt == 1 && saved > 0 && IsFree(saved) ? saved : FreeLoopbackPort();
            long logStart = File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;
            var opts = $"-c listen_addresses=127.0.0.1 -p {Port} -c unix_socket_directories={ShQuote(_ownSocketDir ?? _dataDir)} -c max_connections=300";
            if (_options.Ephemeral) opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
            var (code, output) = await RunToolAsync("pg_ctl", ["-D", _dataDir, "-w", "-t", "60", "-l", LogFile, "start", "-o", opts], ct);
            if (code == 0)
            {
                if (!_options.Ephemeral) await File.WriteAllTextAsync(PortFile, Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
                return;
            }
            var log = ReadLog(logStart);
            // The port was free a moment ago; another process may have grabbed it in between.
            if (attempt < 3 && log.Contains("could not bind", StringComparison.OrdinalIgnoreCase)) continue;
            throw new InvalidOperationException($"PostgreSQL failed to start (pg_ctl exit {code}):\n{output}\n--- server log ({LogFile}) ---\n{Tail(log, 40)}");
        }
    }

    /// <summary>pg_ctl -w only proves the postmaster accepts connections; prove the TCP path clients use works too.</summary>
    private async Task VerifyAsync(CancellationToken ct)
    {
        var cs = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 5 }.ToString();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var conn = new NpgsqlConnection(cs);
                await conn.OpenAsync(ct);
                await using var cmd = new NpgsqlCommand("SELECT 1", conn);
                await cmd.ExecuteScalarAsync(ct);
                return;
            }
            catch (Exception e) when ((e is NpgsqlException or SocketException or TimeoutException) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new InvalidOperationException($"PostgreSQL started but is not reachable on port {Port}:\n{Tail(ReadLog(0), 40)}", e);
            }
        }
    }

    /// <summary>
    /// As root: PostgreSQL refuses to run as root, so it runs as the OS user 'postgres', created when missing
    /// (a system user without a login shell), as Debian's postgresql package would.
    /// </summary>
    private async Task EnsurePostgresUserAsync(CancellationToken ct)
    {
        var (exists, _) = await RunAsync(new ProcessStartInfo("id") { ArgumentList = { OsUser } }, ct);
        if (exists == 0) return;
        _logger?.LogWarning("Creating the OS user '{User}' to run the private PostgreSQL (it refuses to run as root)", OsUser);
        var (code, output) = await RunAsync(new ProcessStartInfo("useradd") { ArgumentList = { "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OsUser } }, ct);
        if (code != 0)
            throw new InvalidOperationException($"PostgreSQL refuses to run as root, and creating the OS user '{OsUser}' to run it failed (exit {code}): {output}\n" +
                $"Create it (useradd --system {OsUser}), run as another user, or set Postgres:ConnectionString to an existing server.");
    }

    /// <summary>As root: the postgres user must own the data/socket dirs and be able to traverse their parents.</summary>
    private async Task GrantToPostgresUserAsync(CancellationToken ct)
    {
        foreach (var dir in new[] { _dataDir, _ownSocketDir })
        {
            if (dir is null) continue;
            var (code, output) = await RunAsync(new ProcessStartInfo("chown") { ArgumentList = { "-R", OsUser + ":", dir } }, ct);
            if (code != 0) throw new InvalidOperationException($"chown of {dir} to '{OsUser}' failed (does that OS user exist?):\n{output}");
            for (var p = Path.GetDirectoryName(dir); !string.IsNullOrEmpty(p) && !OperatingSystem.IsWindows(); p = Path.GetDirectoryName(p))
            {
                var mode = File.GetUnixFileMode(p);
                if (!mode.HasFlag(UnixFileMode.OtherExecute)) File.SetUnixFileMode(p, mode | UnixFileMode.OtherExecute);
            }
        }
    }

    private Task<(int Code, string Output)> RunToolAsync(string tool, IReadOnlyList<string> args, CancellationToken ct)
    {
        var exe = Path.Combine(_binDir, tool);
        ProcessStartInfo psi;
        if (!_asPostgresUser) psi = new ProcessStartInfo(exe);
        else if (FindOnPath("runuser", "/usr/sbin", "/sbin") is { } runuser) psi = new ProcessStartInfo(runuser) { ArgumentList = { "-u", OsUser, "--", exe } };
        else
        {
            // Fallback only: su needs one shell string, so every argument is quoted.
            var cmd = string.Join(' ', new[] { exe }.Concat(args).Select(ShQuote));
            return RunAsync(new ProcessStartInfo("su") { ArgumentList = { OsUser, "-s", "/bin/sh", "-c", cmd } }, ct);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        return RunAsync(psi, ct);
    }

    private static async Task<(int Code, string Output)> RunAsync(ProcessStartInfo psi, CancellationToken ct)
    {
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.WorkingDirectory = "/"; // the postgres user may not be able to enter our cwd
        using var proc = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {psi.FileName}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ToolTimeout);
        var stdout = proc.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = proc.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await proc.WaitForExitAsync(timeout.Token);
            return (proc.ExitCode, (await stdout + await stderr).Trim());
        }
        catch (OperationCanceledException)
        {
            try { proc.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} did not finish within {ToolTimeout.TotalSeconds}s");
        }
    }

    private static string FindBinDir()
    {
        static bool HasTools(string? dir) => dir is not null && File.Exists(Path.Combine(dir, "pg_ctl")) && File.Exists(Path.Combine(dir, "initdb"));
        if (Environment.GetEnvironmentVariable("TOLLGATE_PG_BIN") is { Length: > 0 } env)
            return HasTools(env) ? Path.GetFullPath(env) : throw new InvalidOperationException($"TOLLGATE_PG_BIN={env} does not contain pg_ctl and initdb.");
        if (FindOnPath("pg_ctl") is { } onPath && HasTools(Path.GetDirectoryName(onPath)))
        {
            // /usr/local/bin/pg_ctl is often a symlink; the real bin dir is what pg_ctl uses to find 'postgres'.
            var real = Path.GetDirectoryName(File.ResolveLinkTarget(onPath, returnFinalTarget: true)?.FullName);
            return HasTools(real) ? real! : Path.GetDirectoryName(onPath)!;
        }
        var versioned = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: Path.Combine(d, "bin"), Ver: Version.TryParse(Path.GetFileName(d) + (Path.GetFileName(d).Contains('.') ? "" : ".0"), out var v) ? v : null))
                .Where(x => x.Ver is not null && HasTools(x.Dir)).OrderByDescending(x => x.Ver).Select(x => x.Dir).FirstOrDefault()
            : null;
        return versioned ?? throw new InvalidOperationException(
            "PostgreSQL binaries (pg_ctl, initdb) not found. Install PostgreSQL (e.g. `apt-get install -y postgresql`), " +
            "set TOLLGATE_PG_BIN to its bin folder, or set Postgres:ConnectionString to use an existing server.");
    }

    private static string? FindOnPath(string name, params string[] extraDirs) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(extraDirs).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>Effective uid from /proc (Linux); falls back to the user name elsewhere.</summary>
    private static bool IsRoot()
    {
        try
        {
            var uidLine = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var fields = uidLine?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields is { Length: >= 3 }) return fields[2] == "0"; // Uid: real effective saved fs
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return Environment.UserName == "root";
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreeLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Server log from <paramref name="from"/> on (at most its last 32 KB: persistent logs grow across runs).</summary>
    private string ReadLog(long from)
    {
        try
        {
            using var fs = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            fs.Seek(Math.Min(fs.Length, Math.Max(from, fs.Length - 32768)), SeekOrigin.Begin);
            return new StreamReader(fs).ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"(log unavailable: {e.Message})"; }
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    private static string ShQuote(string s) => s.All(c => char.IsAsciiLetterOrDigit(c) || "/._-=,:".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";

    private void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { _logger?.LogWarning(e, "Could not delete {Dir}", dir); }
    }
}
