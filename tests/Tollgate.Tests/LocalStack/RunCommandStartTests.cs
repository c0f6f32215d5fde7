using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Tollgate.LocalStack;
using Tollgate.Persistence;
using Tollgate.Tests.Infrastructure;

namespace Tollgate.Tests.LocalStack;

/// <summary>
/// The run command's first minutes: a taken port is one line naming it and the variable that moves it, and a start while
/// a previous run is still stopping waits for that run's PostgreSQL instead of taking it over.
/// </summary>
public sealed class RunCommandStartTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "tollgate-start-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public void A_port_something_listens_on_is_named_with_its_variable_and_free_ports_pass()
    {
        using var taken = Listen(out var port);
        var ports = new[] { new LocalPort("the gateway", "TOLLGATE_GATEWAY_PORT", FreePort.Loopback()), new LocalPort("the fake upstream", "TOLLGATE_FAKE_UPSTREAM_PORT", port) };
        Assert.Equal($"Port {port} (the fake upstream) is already in use: set TOLLGATE_FAKE_UPSTREAM_PORT to a free port, or stop what listens on it.", LocalPorts.Problem(ports));
        Assert.Null(LocalPorts.Problem([ports[0]]));
        Assert.Contains("named twice", LocalPorts.Problem([ports[0], ports[0] with { Variable = "TOLLGATE_SILO_HTTP_PORT" }]));
        var notAPort = Assert.Throws<LocalStackException>(() => LocalPort.From("the gateway", "TOLLGATE_GATEWAY_PORT", 8080, _ => "80a"));
        Assert.Equal("TOLLGATE_GATEWAY_PORT=80a is not a port number (1 to 65535).", notAPort.Message);
    }

    [Fact]
    public async Task The_run_command_ends_at_once_with_one_line_when_a_port_is_taken()
    {
        using var taken = Listen(out var port);
        var (exitCode, output) = await RunCommandAsync(new()
        {
            ["TOLLGATE_FAKE_UPSTREAM_PORT"] = port.ToString(),
            ["TOLLGATE_GATEWAY_PORT"] = FreePort.Loopback().ToString(),
            ["TOLLGATE_SILO_PORT"] = FreePort.Loopback().ToString(),
            ["TOLLGATE_SILO_GATEWAY_PORT"] = FreePort.Loopback().ToString(),
            ["TOLLGATE_SILO_HTTP_PORT"] = FreePort.Loopback().ToString(),
        });
        Assert.NotEqual(0, exitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal([$"Port {port} (the fake upstream) is already in use: set TOLLGATE_FAKE_UPSTREAM_PORT to a free port, or stop what listens on it."], lines);
        Assert.False(Directory.Exists(Path.Combine(_home, "postgres")), "PostgreSQL was started before the ports were checked");
    }

    [Fact]
    public async Task A_start_while_the_previous_owner_is_stopping_waits_for_its_postgres_to_stop_then_starts()
    {
        var folder = Path.Combine(_home, "postgres");
        var previous = await LocalPostgres.StartAsync(new LocalPostgresOptions(folder, Ephemeral: false));
        previous.MarkStopping(); // the previous run's Ctrl-C: its silo and gateway stop first, then its PostgreSQL

        var waiting = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var next = LocalPostgres.StartAsync(new LocalPostgresOptions(folder, Ephemeral: false) { Notice = notice => waiting.TrySetResult(notice) });
        var notice = await waiting.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains($"pid {Environment.ProcessId}", notice);
        Assert.Contains("is still stopping its PostgreSQL", notice);
        Assert.False(next.IsCompleted);

        // The previous server answers until its owner stops it: the new start has not touched it.
        await using (var connection = new NpgsqlConnection(Unpooled(previous.ConnectionString)))
        {
            await connection.OpenAsync();
        }
        await previous.DisposeAsync();

        await using var started = await next.WaitAsync(TimeSpan.FromSeconds(120));
        await using var again = new NpgsqlConnection(Unpooled(started.ConnectionString)); // the same port and password: a pooled connection would be the old server's
        await again.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT 1", again);
        Assert.Equal(1, await query.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_folder_whose_owner_is_running_or_does_not_finish_stopping_is_refused_with_its_pid()
    {
        var folder = Path.Combine(_home, "postgres");
        using (var running = await DataDirectoryLock.AcquireAsync(folder, TimeSpan.FromSeconds(30), null))
        {
            var refused = await Assert.ThrowsAsync<DataDirectoryBusyException>(() => DataDirectoryLock.AcquireAsync(folder, TimeSpan.FromSeconds(30), null));
            Assert.StartsWith($"Another process (pid {Environment.ProcessId}) is running a PostgreSQL in {folder}", refused.Message);

            running.MarkStopping();
            var notices = new List<string>();
            var late = await Assert.ThrowsAsync<DataDirectoryBusyException>(() => DataDirectoryLock.AcquireAsync(folder, TimeSpan.FromMilliseconds(600), notices.Add));
            Assert.Contains($"has still not stopped its PostgreSQL in {folder} after 1 s: stop it (kill {Environment.ProcessId})", late.Message);
            Assert.Single(notices); // said once, not once a poll
        }
        using var free = await DataDirectoryLock.AcquireAsync(folder, TimeSpan.Zero, null); // released: taken at once
    }

    private async Task<(int ExitCode, string Output)> RunCommandAsync(Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Tollgate.LocalStack.dll"));
        start.Environment["TOLLGATE_HOME"] = _home;
        start.Environment.Remove("Postgres__ConnectionString");
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The run command did not end within 60 s: " + await stdout + await stderr);
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Unpooled(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString();

    private static TcpListener Listen(out int port)
    {
        port = FreePort.Loopback();
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        return listener;
    }
}
