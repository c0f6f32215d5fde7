using System.Diagnostics;
using System.Text;

namespace Tollgate.Bench.Correctness;

/// <summary>
/// One process of the correctness cluster (a silo, a gateway, or a baseline front: the built dlls beside
/// the bench), started with <c>dotnet</c> and ready once its health endpoint answers; it can be killed
/// (SIGKILL) and started again with the same arguments, so at the same address.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly string[] _arguments;
    private readonly Uri _health;
    private readonly StringBuilder _log = new();
    private Process _process = null!;

    private ChildProcess(string name, Uri health, string[] arguments)
    {
        Name = name;
        _health = health;
        _arguments = arguments;
    }

    public string Name { get; }

    /// <summary>Its command line (after <c>dotnet</c>).</summary>
    public IReadOnlyList<string> Arguments => _arguments;

    /// <param name="assembly">The dll beside the bench, e.g. <c>Tollgate.Silo.dll</c>.</param>
    public static async Task<ChildProcess> StartAsync(string name, string assembly, Uri health, params string[] arguments)
    {
        var child = new ChildProcess(name, health, [Path.Combine(AppContext.BaseDirectory, assembly), .. arguments]);
        await child.StartAsync();
        return child;
    }

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        foreach (var argument in _arguments) start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Name}.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Log}");
            try
            {
                using var response = await http.GetAsync(_health);
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{Name} did not become healthy at {_health}:\n{Log}");
    }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    /// <summary>A crash: SIGKILL, no flush, no goodbye.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
