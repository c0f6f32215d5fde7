using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Envoy.Extensions.Common.Ratelimit.V3;
using Envoy.Service.Ratelimit.V3;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tollgate.Bench.Load;
using Tollgate.Gateway;
using Tollgate.Persistence;
using Tollgate.Silo;

namespace Tollgate.Bench.Envoy;

/// <summary>
/// <c>--rls</c>: Envoy's rate-limit service (<c>ShouldRateLimit</c>, gRPC over h2c) beside the metering API's authorize (HTTP/1.1 JSON),
/// in one run, on one silo and one gateway (an Orleans client calling the silo over TCP) on a private PostgreSQL (fsync on). Both
/// ask the same three grains: the account, the caller IP and the model, each with limits set, so every call counts in windows.
/// A closed loop of <c>--callers</c>; each target is run <c>--rounds</c> times, alternating, so the machine's other load falls on both.
/// <code>dotnet bench/Tollgate.Bench/bin/Release/net10.0/Tollgate.Bench.dll --rls [--seconds 5] [--warm-up 10] [--rounds 2] [--accounts 1000] [--callers 64]</code>
/// </summary>
public static class RlsBench
{
    private const string AdminToken = "bench-admin";
    private const string ServiceToken = "bench";
    private const string Model = "bench-model";
    private const long Credit = 1_000_000_000_000; // 1,000 USD: never the limit
    private const string Limits = """{"requests_per_minute":1000000000,"tokens_per_minute":1000000000000}"""; // counted, never reached

    public static async Task RunAsync(string[] args, string resultsFolder)
    {
        var seconds = Option(args, "--seconds") ?? 5;
        var warmUp = Option(args, "--warm-up") ?? 10; // tiered JIT recompiles both paths for seconds on 2 busy cores
        var rounds = (int)(Option(args, "--rounds") ?? 2);
        var accounts = (int)(Option(args, "--accounts") ?? 1000);
        var callers = (int)(Option(args, "--callers") ?? 64);
        var command = "dotnet bench/Tollgate.Bench/bin/Release/net10.0/Tollgate.Bench.dll " + string.Join(' ', args);
        var loadBefore = Machine.LoadAverage();

        var folder = Path.Combine(Path.GetTempPath(), "tollgate-rls-bench-" + Guid.NewGuid().ToString("N")[..8]);
        CpuTime.CountServersUnder(folder);
        await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(folder, Ephemeral: false));
        try
        {
            string[] quiet = ["--Logging:LogLevel:Default=Warning"];
            await SiloDatabase.MigrateAsync(postgres.ConnectionString, logLevel: Microsoft.Extensions.Logging.LogLevel.Warning);
            var silo = await SiloApp.BuildAsync([$"--Postgres:ConnectionString={postgres.ConnectionString}", $"--Urls=http://127.0.0.1:{Machine.FreePort()}",
                "--Silo:AdvertisedAddress=127.0.0.1", $"--Silo:SiloPort={Machine.FreePort()}", $"--Silo:GatewayPort={Machine.FreePort()}", .. quiet],
                services => services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(2)));
            await silo.StartAsync();
            var (gatewayPort, rlsPort) = (Machine.FreePort(), Machine.FreePort());
            var gateway = GatewayApp.Build([$"--Urls=http://127.0.0.1:{gatewayPort}", $"--Admin:Token={AdminToken}", $"--Metering:ServiceToken={ServiceToken}",
                $"--Postgres:ConnectionString={postgres.ConnectionString}", $"--Envoy:Port={rlsPort}", .. quiet]);
            await gateway.StartAsync();
            var gatewayUrl = new Uri($"http://127.0.0.1:{gatewayPort}");
            await SetUpAsync(gatewayUrl, accounts);

            using var metering = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4096, MeterFactory = Load.GeneratorHttp.Meters }) { BaseAddress = gatewayUrl, Timeout = TimeSpan.FromSeconds(30) };
            metering.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServiceToken);
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{rlsPort}");
            var rls = new RateLimitService.RateLimitServiceClient(channel);
            var token = new Metadata { { "authorization", $"Bearer {ServiceToken}" } };

            var machine = string.Create(CultureInfo.InvariantCulture,
                $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, Orleans {Machine.OrleansVersion()}");
            Console.WriteLine(machine);
            var targets = new (string Name, Func<int, string, Task<bool>> Call)[]
            {
                ("authorize", (account, id) => AuthorizeAsync(metering, account, id)),
                ("ShouldRateLimit", (account, _) => ShouldRateLimitAsync(rls, token, account)),
            };
            var runs = new List<RlsRun>();
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var (name, call) in targets)
                {
                    await LoopAsync(call, accounts, callers, TimeSpan.FromSeconds(warmUp), $"w{round}{name[..2]}", null);
                    var run = new RlsRun(name, round);
                    var cpuBefore = CpuTime.Now();
                    await LoopAsync(call, accounts, callers, TimeSpan.FromSeconds(seconds), $"r{round}{name[..2]}", run);
                    run.Cpu = CpuTime.Now() - cpuBefore;
                    runs.Add(run);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{name,-16} round {round}  {run.CallsPerSecond,8:N0} calls/s  p50 {run.Latency.Percentile(0.5):F2}  p99 {run.Latency.Percentile(0.99):F2}  p99.9 {run.Latency.Percentile(0.999):F2} ms  cpu {run.CpuMicrosPerCall:F0} µs/call (bench process) {run.PostgresMicrosPerCall:F0} (PostgreSQL)  refused {run.Refused}  errors {string.Join(", ", run.Errors.Select(e => $"{e.Key}: {e.Value}"))}"));
                }
            }
            var loadAfter = Machine.LoadAverage();
            await gateway.StopAsync();
            await silo.StopAsync();
            await gateway.DisposeAsync();
            await silo.DisposeAsync();
            Console.WriteLine();
            Console.WriteLine(Write(resultsFolder, machine, command, loadBefore, loadAfter, accounts, callers, warmUp, seconds, runs));
        }
        finally
        {
            await postgres.StopAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The metering API's authorize (1,000 input and 500 output tokens): account, caller IP and model grains; a hold of 5 s, left to expire.</summary>
    private static async Task<bool> AuthorizeAsync(HttpClient metering, int account, string requestId)
    {
        var body = $$"""{"request_id":"{{requestId}}","account_id":"bench-{{account}}","caller_ip":"{{CallerIp(account)}}","model":"{{Model}}","estimated_input_tokens":1000,"max_output_tokens":500,"ttl_seconds":5}""";
        using var response = await metering.PostAsync("/v1/authorize", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode}");
        return text.Contains("\"allowed\":true", StringComparison.Ordinal);
    }

    /// <summary>ShouldRateLimit with the descriptors that name the same grains: the caller IP, the account and the model, one request each.</summary>
    private static async Task<bool> ShouldRateLimitAsync(RateLimitService.RateLimitServiceClient rls, Metadata token, int account)
    {
        var request = new RateLimitRequest { Domain = "tollgate" };
        request.Descriptors.Add(Descriptor("remote_address", CallerIp(account)));
        request.Descriptors.Add(Descriptor("account", $"bench-{account}"));
        request.Descriptors.Add(Descriptor("model", Model));
        var answer = await rls.ShouldRateLimitAsync(request, token);
        return answer.OverallCode == RateLimitResponse.Types.Code.Ok;
    }

    private static RateLimitDescriptor Descriptor(string key, string value)
    {
        var descriptor = new RateLimitDescriptor();
        descriptor.Entries.Add(new RateLimitDescriptor.Types.Entry { Key = key, Value = value });
        return descriptor;
    }

    private static string CallerIp(int account) => $"10.{account / 65536 % 256}.{account / 256 % 256}.{account % 256}";

    private static async Task LoopAsync(Func<int, string, Task<bool>> call, int accounts, int callers, TimeSpan duration, string runId, RlsRun? run)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller);
            for (var i = 0; Stopwatch.GetTimestamp() < end; i++)
            {
                var began = Stopwatch.GetTimestamp();
                try
                {
                    var allowed = await call(random.Next(accounts), $"{runId}-{caller}-{i}");
                    if (run is null) continue;
                    run.Latency.Record(Stopwatch.GetElapsedTime(began));
                    Interlocked.Increment(ref run.Calls);
                    if (!allowed) Interlocked.Increment(ref run.Refused);
                }
                catch (Exception ex) when (run is not null)
                {
                    run.Errors.AddOrUpdate(ex is RpcException rpc ? rpc.StatusCode.ToString() : ex.Message, 1, (_, n) => n + 1);
                }
            }
        })));
        if (run is not null) run.Seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Prices the model; limits on it, on the caller IP defaults and on each of <paramref name="accounts"/> accounts (with credit).</summary>
    private static async Task SetUpAsync(Uri gateway, int accounts)
    {
        using var admin = new HttpClient { BaseAddress = gateway };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        async Task Call(HttpMethod method, string path, string json)
        {
            using var response = await admin.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        await Call(HttpMethod.Post, $"/admin/models/{Model}/prices", """{"input_per_million":2000000,"output_per_million":8000000}""");
        await Call(HttpMethod.Put, $"/admin/models/{Model}/limits", Limits);
        await Call(HttpMethod.Put, "/admin/ips/defaults/limits", Limits);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < accounts; i = Interlocked.Increment(ref next))
            {
                await Call(HttpMethod.Post, "/admin/accounts", $$"""{"account_id":"bench-{{i}}","initial_credit":{{Credit}}}""");
                await Call(HttpMethod.Put, $"/admin/accounts/bench-{i}/limits", Limits);
            }
        })));
    }

    private static string Write(string folder, string machine, string command, string loadBefore, string loadAfter, int accounts, int callers, double warmUp,
        double seconds, List<RlsRun> runs)
    {
        Directory.CreateDirectory(folder);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        void Line(FormattableString text) => md.AppendLine(text.ToString(CultureInfo.InvariantCulture));
        Line($"# Envoy's rate-limit service beside the metering API's authorize ({stamp} UTC)");
        Line($"");
        Line($"- Machine: {machine}. Load average (1, 5, 15 min) before: {loadBefore}, after: {loadAfter} (other work shares these cores).");
        Line($"- Command: `{command}` (after `dotnet build -c Release bench/Tollgate.Bench`).");
        Line($"- One process holds a real silo (`SiloApp`, PostgreSQL membership and storage, fsync on), a real gateway (`GatewayApp`: an Orleans client calling the silo over TCP, `Envoy:Port` on) and the load generator. *authorize*: `POST /v1/authorize` (HTTP/1.1, JSON, service token) for an account, its caller IP and `bench-model`, 1,000 + 500 tokens held for 5 s and left to expire (no settle). *ShouldRateLimit*: gRPC over h2c, domain `tollgate`, descriptors `remote_address`, `account` and `model` (one request each), service token in the metadata. Both ask the same three grains, each with limits (requests and tokens per minute, never reached), so every call counts in their windows; the authorize also holds credit at the account.");
        Line($"- {accounts:N0} accounts drawn uniformly, each with its own caller IP; a closed loop of {callers} callers; each run warms up {warmUp} s (dropped), then is timed {seconds} s; the targets alternate, round by round.");
        Line($"");
        Line($"| target | round | calls/s | p50 ms | p99 ms | p99.9 ms | CPU µs per call: bench process / PostgreSQL | refused | errors |");
        Line($"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var run in runs)
        {
            Line($"| {run.Target} | {run.Round} | {run.CallsPerSecond:N0} | {run.Latency.Percentile(0.5):F2} | {run.Latency.Percentile(0.99):F2} | {run.Latency.Percentile(0.999):F2} | {run.CpuMicrosPerCall:F0} / {run.PostgresMicrosPerCall:F0} | {run.Refused} | {string.Join(", ", run.Errors.Select(e => $"{e.Key}: {e.Value}"))} |");
        }
        var path = Path.Combine(folder, $"rls-{stamp}.md");
        File.WriteAllText(path, md.ToString());
        return md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Written to {path}").ToString();
    }

    private static double? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;

    private sealed class RlsRun(string target, int round)
    {
        public long Calls;
        public long Refused;

        public string Target { get; } = target;
        public int Round { get; } = round;
        public double Seconds { get; set; }
        public LatencyHistogram Latency { get; } = new();
        public ConcurrentDictionary<string, long> Errors { get; } = new();
        public CpuTime Cpu { get; set; }
        public double CallsPerSecond => Seconds == 0 ? 0 : Calls / Seconds;
        public double CpuMicrosPerCall => Calls == 0 ? 0 : Cpu.Bench.TotalMicroseconds / Calls;
        public double PostgresMicrosPerCall => Calls == 0 ? 0 : Cpu.Postgres.TotalMicroseconds / Calls;
    }
}
