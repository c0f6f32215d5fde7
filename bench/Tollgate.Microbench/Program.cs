using BenchmarkDotNet.Running;
using Tollgate.Microbench;

// dotnet run -c Release --project bench/Tollgate.Microbench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(MicrobenchConfig).Assembly).Run(args, MicrobenchConfig.Create());
