using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Tollgate.Tests.Proxy;

/// <summary>
/// The official SDKs' tests under node (<c>tests/sdk</c>: the <c>openai</c> and <c>@anthropic-ai/sdk</c> npm packages, pinned
/// by its lockfile): where they are, installing them when missing, running a test file and reading the JSON line each case prints.
/// </summary>
internal static class NodeSdk
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The packages the test files import: one missing means <c>npm ci</c> has not run since the lockfile changed.</summary>
    private static readonly string[] Packages = ["openai", "@anthropic-ai/sdk"];

    public static string Folder => Path.Combine(RepositoryRoot(), "tests", "sdk");

    /// <summary>Installs the lockfile's packages when any is missing (a fresh clone); .ci/run installs them before the tests.</summary>
    public static async Task EnsurePackagesAsync(ITestOutputHelper output)
    {
        var sdk = Folder;
        var missing = Packages.Where(package => !File.Exists(Path.Combine(sdk, "node_modules", package, "package.json"))).ToList();
        if (missing.Count == 0) return;
        output.WriteLine($"tests/sdk/node_modules lacks {string.Join(", ", missing)}: running npm ci");
        var (exitCode, stdout, stderr) = await RunAsync(sdk, "npm", ["ci", "--no-audit", "--no-fund"], []);
        Assert.True(exitCode == 0, $"npm ci in {sdk} exited with {exitCode}:\n{stdout}\n{stderr}");
    }

    /// <summary>The JSON line each case printed (<c>{"case": name, …}</c>), by case.</summary>
    public static Dictionary<string, JsonElement> Cases(string stdout) => stdout.Split('\n')
        .Where(line => line.StartsWith("{\"case\":", StringComparison.Ordinal))
        .Select(line => JsonDocument.Parse(line).RootElement.Clone())
        .ToDictionary(line => line.GetProperty("case").GetString()!);

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Runs a program to its end (killed after <see cref="NodeTimeout"/>); its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string directory, string program, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.Environment["NO_COLOR"] = "1";
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new Xunit.Sdk.XunitException(
                $"'{program}' could not be started ({ex.Message}): the SDK tests need node 20 or later and npm on PATH (apt-get install nodejs npm; .ci/run installs them).");
        }
        using (process)
        {
            StringBuilder stdout = new(), stderr = new();
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(NodeTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new Xunit.Sdk.XunitException($"{program} {string.Join(' ', arguments)} did not finish within {NodeTimeout.TotalSeconds} s:\n{stdout}\n{stderr}");
            }
            await process.WaitForExitAsync(); // the output's last lines
            return (process.ExitCode, stdout.ToString(), stderr.ToString());
        }
    }
}
