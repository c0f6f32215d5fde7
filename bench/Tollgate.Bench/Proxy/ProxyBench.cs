using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Tollgate.FakeUpstream;
using Tollgate.Gateway;
using Tollgate.Persistence;
using Tollgate.Silo;

namespace Tollgate.Bench.Proxy;

/// <summary>
/// <c>--proxy</c>: what the metered proxy adds to a chat completion and to an Anthropic message. One process holds the
/// fake upstream, a real silo (PostgreSQL membership and storage, fsync on) and a real gateway (an Orleans client calling
/// the silo over TCP) whose providers are that fake (as OpenAI's API, and as Anthropic's: an <c>anthropic</c> provider);
/// PostgreSQL runs beside it. The same requests go to the fake directly and through the proxy: non-streamed at a fixed
/// arrival rate, streamed (time to the first event), and N slow chat streams held open at once (memory per open stream).
/// <code>dotnet bench/Tollgate.Bench/bin/Release/net10.0/Tollgate.Bench.dll --proxy [--rate 500] [--seconds 20] [--warm-up 30] [--stream-rate 100] [--streams 1000]</code>
/// </summary>
public static class ProxyBench
{
    private const string Model = "bench-model";
    private const string UpstreamModel = "fake-gpt";

    /// <summary>Served through Anthropic's Messages API: routed to the <c>anthropic</c> provider, a Claude name upstream (counted by the Claude rule).</summary>
    private const string ClaudeModel = "bench-claude";
    private const string ClaudeUpstreamModel = "claude-fake-sonnet";
    private const string AnthropicProvider = "fake-anthropic";
    private const string ProviderKey = "bench-provider-key";
    private const string AdminToken = "bench-admin";
    private const long Credit = 1_000_000_000_000_000; // 1,000,000 USD per account (nano-USD): never the limit
    private const int Accounts = 100;

    public static async Task RunAsync(string[] args, string resultsFolder)
    {
        var rate = DoubleOption(args, "--rate") ?? 500;
        var seconds = DoubleOption(args, "--seconds") ?? 20;
        var warmUpSeconds = DoubleOption(args, "--warm-up") ?? 30; // tiered JIT keeps recompiling the proxy path for well over 15 s on 2 busy cores (900 methods in the first timed run after 15 s)
        var streamRate = DoubleOption(args, "--stream-rate") ?? 100;
        var streamSeconds = DoubleOption(args, "--stream-seconds") ?? 10;
        var streams = (int)(DoubleOption(args, "--streams") ?? 1000);
        var streamDelayMs = (int)(DoubleOption(args, "--stream-delay-ms") ?? 8000);
        var loadBefore = LoadAverage();
        var command = "dotnet bench/Tollgate.Bench/bin/Release/net10.0/Tollgate.Bench.dll " + string.Join(' ', args);

        var folder = Path.Combine(Path.GetTempPath(), "tollgate-proxy-bench-" + Guid.NewGuid().ToString("N")[..8]);
        await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(folder, Ephemeral: false));
        try
        {
            string[] quiet = ["--Logging:LogLevel:Default=Warning"];
            var fakePort = Machine.FreePort();
            var fake = FakeUpstreamApp.Build([$"--Urls=http://127.0.0.1:{fakePort}", $"--FakeUpstream:ApiKey={ProviderKey}", .. quiet]);
            await fake.StartAsync();

            await SiloDatabase.MigrateAsync(postgres.ConnectionString, logLevel: Microsoft.Extensions.Logging.LogLevel.Warning);
            var silo = await SiloApp.BuildAsync([$"--Postgres:ConnectionString={postgres.ConnectionString}", $"--Urls=http://127.0.0.1:{Machine.FreePort()}",
                "--Silo:AdvertisedAddress=127.0.0.1", $"--Silo:SiloPort={Machine.FreePort()}", $"--Silo:GatewayPort={Machine.FreePort()}", .. quiet],
                services => services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(2)));
            await silo.StartAsync();
            var gatewayPort = Machine.FreePort();
            var gateway = GatewayApp.Build([$"--Urls=http://127.0.0.1:{gatewayPort}", $"--Admin:Token={AdminToken}", "--Metering:ServiceToken=bench",
                $"--Postgres:ConnectionString={postgres.ConnectionString}",
                $"--Proxy:Providers:fake:BaseUrl=http://127.0.0.1:{fakePort}/v1", $"--Proxy:Providers:fake:ApiKey={ProviderKey}",
                $"--Proxy:Providers:{AnthropicProvider}:BaseUrl=http://127.0.0.1:{fakePort}/v1", $"--Proxy:Providers:{AnthropicProvider}:ApiKey={ProviderKey}",
                $"--Proxy:Providers:{AnthropicProvider}:Kind=anthropic", .. quiet]);
            await gateway.StartAsync();

            var gatewayUrl = new Uri($"http://127.0.0.1:{gatewayPort}");
            var keys = await SetUpAsync(gatewayUrl);
            var machine = string.Create(CultureInfo.InvariantCulture,
                $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, Orleans {Machine.OrleansVersion()}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, {Machine.SocketCompletions()}");
            Console.WriteLine(machine);
            Console.WriteLine($"load average before: {loadBefore}");

            using var directHttp = ChatLoad.Client();
            using var proxyHttp = ChatLoad.Client();
            var direct = new ChatTarget("direct", directHttp, new Uri($"http://127.0.0.1:{fakePort}/v1/chat/completions"), UpstreamModel, [ProviderKey]);
            var proxy = new ChatTarget("proxy", proxyHttp, new Uri(gatewayUrl, "/v1/chat/completions"), Model, keys);
            var messagesDirect = new ChatTarget("direct /v1/messages", directHttp, new Uri($"http://127.0.0.1:{fakePort}/v1/messages"), ClaudeUpstreamModel, [ProviderKey],
                BenchApi.Messages);
            var messagesProxy = new ChatTarget("proxy /v1/messages", proxyHttp, new Uri(gatewayUrl, "/v1/messages"), ClaudeModel, keys, BenchApi.Messages);

            // 1. Non-streamed at a fixed rate: warm up both (JIT, connections, activations), then time each.
            var runs = new List<ChatRun>();
            long proxiedInWarmUps = 0;
            async Task<ChatRun> Timed(ChatTarget target, bool streamed, double at, double forSeconds)
            {
                var body = ChatLoad.Body(target.Model, streamed, askUsage: target == direct, api: target.Api);
                var warm = await ChatLoad.RunAsync(target, body, streamed, at, TimeSpan.FromSeconds(warmUpSeconds));
                if (target == proxy || target == messagesProxy) proxiedInWarmUps += warm.Succeeded;
                var run = await ChatLoad.RunAsync(target, body, streamed, at, TimeSpan.FromSeconds(forSeconds));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{target.Name,-7} {(streamed ? "streamed" : "whole"),-8} {run.AchievedRate,7:F0}/s  p50 {run.Latency.Percentile(0.5),7:F2}  p99 {run.Latency.Percentile(0.99),7:F2}  p99.9 {run.Latency.Percentile(0.999),7:F2} ms  ttfb p50 {run.FirstByte.Percentile(0.5):F2} p99 {run.FirstByte.Percentile(0.99):F2}  in flight ≤ {run.MaxInFlight}  lag ≤ {run.MaxDispatchLag.TotalMilliseconds:F1} ms  cpu {run.CpuMicrosPerRequest:F0} µs/req  errors {string.Join(", ", run.Errors.Select(e => $"{e.Key}: {e.Value}"))}"));
                runs.Add(run);
                return run;
            }
            var wholeDirect = await Timed(direct, false, rate, seconds);
            var wholeProxy = await Timed(proxy, false, rate, seconds);
            var wholeMessagesDirect = await Timed(messagesDirect, false, rate, seconds);
            var wholeMessagesProxy = await Timed(messagesProxy, false, rate, seconds);
            // 2. Streamed: time to the first event and to the end.
            var streamDirect = await Timed(direct, true, streamRate, streamSeconds);
            var streamProxy = await Timed(proxy, true, streamRate, streamSeconds);
            var streamMessagesDirect = await Timed(messagesDirect, true, streamRate, streamSeconds);
            var streamMessagesProxy = await Timed(messagesProxy, true, streamRate, streamSeconds);
            // 3. Memory per open stream: directly (client and fake only), then through the proxy.
            Console.WriteLine($"memory: {streams:N0} streams open at once, {streamDelayMs} ms between their events");
            var memoryDirect = await OpenStreams.MeasureAsync(direct, streams, 250, streamDelayMs);
            var memoryProxy = await OpenStreams.MeasureAsync(proxy, streams, 250, streamDelayMs);

            var proxiedRuns = runs.Where(r => r.Target == proxy.Name || r.Target == messagesProxy.Name).Sum(r => r.Succeeded);
            var (proxied, settled) = await SettledAsync(postgres.ConnectionString, proxiedInWarmUps + proxiedRuns + memoryProxy.Opened);
            var loadAfter = LoadAverage();
            Console.WriteLine($"load average after: {loadAfter}");

            await gateway.StopAsync();
            await silo.StopAsync();
            await fake.StopAsync();
            await gateway.DisposeAsync();
            await silo.DisposeAsync();
            await fake.DisposeAsync();

            var report = new ProxyReport(machine, command, loadBefore, loadAfter, rate, seconds, warmUpSeconds, streamRate, streamSeconds, streamDelayMs, Accounts,
                new EndpointRuns(wholeDirect, wholeProxy, streamDirect, streamProxy), new EndpointRuns(wholeMessagesDirect, wholeMessagesProxy, streamMessagesDirect, streamMessagesProxy),
                memoryDirect, memoryProxy, proxied, settled);
            Console.WriteLine();
            Console.WriteLine(report.Write(resultsFolder));
        }
        finally
        {
            await postgres.StopAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Routes and prices the models; creates <see cref="Accounts"/> accounts with plenty of credit and one key each (no limits).</summary>
    private static async Task<List<string>> SetUpAsync(Uri gateway)
    {
        using var admin = new HttpClient { BaseAddress = gateway };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        async Task<JsonElement> Call(HttpMethod method, string path, string json)
        {
            using var response = await admin.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
        await Call(HttpMethod.Put, $"/admin/models/{Model}/route", $$"""{"provider":"fake","upstream_model":"{{UpstreamModel}}"}""");
        await Call(HttpMethod.Post, $"/admin/models/{Model}/prices", """{"input_per_million":2000000000,"output_per_million":8000000000}""");
        await Call(HttpMethod.Put, $"/admin/models/{ClaudeModel}/route", $$"""{"provider":"{{AnthropicProvider}}","upstream_model":"{{ClaudeUpstreamModel}}"}""");
        await Call(HttpMethod.Post, $"/admin/models/{ClaudeModel}/prices", """{"input_per_million":3000000000,"output_per_million":15000000000}""");
        var keys = new List<string>();
        for (var i = 0; i < Accounts; i++)
        {
            await Call(HttpMethod.Post, "/admin/accounts", $$"""{"account_id":"proxy-bench-{{i}}","initial_credit":{{Credit}}}""");
            keys.Add((await Call(HttpMethod.Post, $"/admin/accounts/proxy-bench-{i}/keys", "{}")).GetProperty("key").GetString()!);
        }
        return keys;
    }

    /// <summary>Usage rows of successful proxied requests, once their settles have landed (they follow the answer).</summary>
    private static async Task<(long Expected, Dictionary<string, long> Rows)> SettledAsync(string connectionString, long expected)
    {
        await using var database = NpgsqlDataSource.Create(connectionString);
        var rows = new Dictionary<string, long>();
        for (var attempt = 0; attempt < 30; attempt++)
        {
            rows.Clear();
            await using var query = database.CreateCommand("SELECT outcome || CASE WHEN streamed THEN ' (streamed)' ELSE '' END, sum(requests) FROM usage_events GROUP BY 1");
            await using (var reader = await query.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) rows[reader.GetString(0)] = reader.GetInt64(1);
            }
            if (rows.Values.Sum() >= expected) break;
            await Task.Delay(1000);
        }
        return (expected, rows);
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    private static double? DoubleOption(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;
}
