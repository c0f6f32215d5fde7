using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Tollgate.Microbench;

/// <summary>
/// One short job for every benchmark: the machine has 2 shared cores, and the whole suite must
/// finish in minutes. Results go to bench/results/micro beside the load benchmark's reports.
/// </summary>
internal static class MicrobenchConfig
{
    public static IConfig Create() => ManualConfig.Create(DefaultConfig.Instance)
        .AddJob(Job.ShortRun.WithId("short"))
        .WithArtifactsPath(Path.Combine(RepositoryRoot(), "bench", "results", "micro"));

    /// <summary>The folder holding Orleans.sln, so results land in the same place from any working directory.</summary>
    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Orleans.sln"))) return folder.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
