using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// A silo in its own OS process (the built Tollgate.Silo.dll) with PostgreSQL membership, so tests can
/// SIGKILL, SIGSTOP (pause) and SIGCONT it like a real crash or a stalled machine, and SIGTERM it.
/// </summary>
public sealed class SiloProcess : TollgateProcess
{
    private SiloProcess(SiloPorts ports) : base("silo", $"http://127.0.0.1:{ports.Http}/health") => Ports = ports;

    /// <summary>The silo's ports: keep them to restart it at the same address.</summary>
    public SiloPorts Ports { get; }

    /// <summary>The silo-to-silo endpoint, as Orleans' membership names it.</summary>
    public string Endpoint => $"127.0.0.1:{Ports.Silo}";

    public static Task<SiloProcess> StartAsync(string connectionString, params string[] settings) =>
        StartAsync(connectionString, SiloPorts.Free(), settings);

    public static async Task<SiloProcess> StartAsync(string connectionString, SiloPorts ports, params string[] settings)
    {
        var silo = new SiloProcess(ports);
        await silo.LaunchAsync("Tollgate.Silo.dll", [$"--Postgres:ConnectionString={connectionString}", $"--Urls=http://127.0.0.1:{ports.Http}",
            $"--Silo:SiloPort={ports.Silo}", $"--Silo:GatewayPort={ports.Gateway}",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Tollgate=Information", .. settings]);
        return silo;
    }
}

/// <summary>
/// A gateway in its own OS process (the built Tollgate.Gateway.dll), reaching the silos through the membership table,
/// so tests can SIGKILL it mid-request as a crash would.
/// </summary>
public sealed class GatewayProcess : TollgateProcess
{
    private GatewayProcess(int port) : base("gateway", $"http://127.0.0.1:{port}/health/ready") => Address = new Uri($"http://127.0.0.1:{port}");

    public Uri Address { get; }

    public static async Task<GatewayProcess> StartAsync(string connectionString, params string[] settings)
    {
        var gateway = new GatewayProcess(FreePort.Loopback());
        await gateway.LaunchAsync("Tollgate.Gateway.dll", [$"--Postgres:ConnectionString={connectionString}", $"--Urls={gateway.Address}",
            $"--Admin:Token={TestGateways.AdminToken}", $"--Metering:ServiceToken={TestGateways.ServiceToken}",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Tollgate=Information", .. settings]);
        return gateway;
    }
}

/// <summary>One of Tollgate's processes, started from its built dll, with its output kept and POSIX signals to send it.</summary>
public abstract partial class TollgateProcess(string what, string health) : IAsyncDisposable
{
    private const int SigKill = 9, SigTerm = 15, SigCont = 18, SigStop = 19;
    private readonly StringBuilder _log = new();
    private Process _process = null!;

    /// <summary>The runtime switch the images set: socket continuations on the sockets' event threads.</summary>
    public const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>Starts <paramref name="dll"/> with <paramref name="arguments"/> and waits until its health endpoint answers.</summary>
    protected async Task LaunchAsync(string dll, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { [InlineSocketCompletions] = "1" }, // as the images run it (Dockerfile)
        };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, dll), .. arguments]) start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start the {what} process.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilServingAsync();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    /// <summary>Waits until the process's health endpoint answers: a silo is active in the cluster, a gateway reaches it.</summary>
    private async Task WaitUntilServingAsync()
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The {what} process exited with {_process.ExitCode}:\n{Log}");
            try
            {
                using var response = await http.GetAsync(health);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The {what} process did not start serving:\n{Log}");
    }

    /// <summary>A crash: no flush, no goodbye; the others must detect it.</summary>
    public void Kill() => Signal(SigKill);

    /// <summary>A stall (GC pause, frozen VM): the process keeps its memory but runs nothing.</summary>
    public void Pause() => Signal(SigStop);

    public void Resume() => Signal(SigCont);

    /// <summary>Graceful stop (SIGTERM) and wait for the process to exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        Signal(SigTerm);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    private void Signal(int signal)
    {
        if (!_process.HasExited && SendSignal(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Resume();
            Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

/// <summary>A silo's HTTP (health), silo-to-silo and gateway ports.</summary>
public sealed record SiloPorts(int Http, int Silo, int Gateway)
{
    public static SiloPorts Free() => new(FreePort.Loopback(), FreePort.Loopback(), FreePort.Loopback());
}
