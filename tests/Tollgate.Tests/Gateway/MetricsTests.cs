using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Tollgate.Telemetry;
using Tollgate.Tests.Infrastructure;
using static Tollgate.Tests.Infrastructure.MeteringCalls;

namespace Tollgate.Tests.Gateway;

/// <summary>
/// Metrics and traces. The scrape test runs Tollgate as deployed (a silo process, a gateway reaching it over
/// TCP), so each process's <c>/metrics</c> shows its own meters only; the trace test runs in-process, where one
/// listener sees both sides of a grain call.
/// </summary>
[Collection(Serial.Name)]
public sealed class MetricsTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Both_processes_serve_their_instruments_at_metrics_after_traffic_and_the_gateway_asks_a_token()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await ProcessCluster.StartAsync(database, silos: 1, gateways: 1);
        var metering = cluster.Metering[0];
        await CreateAccountAsync(cluster.Admin, "acme-metrics", 1_000_000);
        await CreateAccountAsync(cluster.Admin, "poor-metrics", 1_000);
        await SetPriceAsync(cluster.Admin, "m1", 2_000_000, 8_000_000); // 2 and 8 nano-USD a token

        var allowed = await AuthorizeAsync(metering, "r1", account: "acme-metrics", input: 100, output: 100);
        Assert.True(Allowed(allowed));
        Assert.Equal(1_000, (await SettleAsync(metering, allowed, 100, 100)).GetProperty("charged").GetInt64());
        var repeat = await SettleAsync(metering, allowed, 100, 100); // a retry: the first answer again, counted once
        Assert.Equal((1_000, true), (repeat.GetProperty("charged").GetInt64(), repeat.GetProperty("repeated").GetBoolean()));
        var poor = await AuthorizeAsync(metering, "r2", account: "poor-metrics", input: 100, output: 100); // reserves all 1,000
        Assert.True(Allowed(poor));
        var overrun = await SettleAsync(metering, poor, 10_000, 100); // costs 20,800: 1,000 charged, the rest uncollected
        Assert.Equal(19_800, overrun.GetProperty("uncollected").GetInt64());
        Assert.Equal("account_not_found", Reason(await AuthorizeAsync(metering, "r3", account: "ghost-metrics")));
        Assert.Equal("model_unknown", Reason(await AuthorizeAsync(metering, "r4", account: "acme-metrics", model: "unpriced-metrics")));

        using var scraper = new HttpClient { BaseAddress = metering.BaseAddress };
        using (var anonymous = await scraper.GetAsync(TollgateTelemetry.MetricsPath))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");
        using (var wrong = await scraper.GetAsync(TollgateTelemetry.MetricsPath))
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        var gateway = await ScrapeAsync(cluster.Admin, TollgateTelemetry.MetricsPath);
        Assert.Equal(1, Sample(gateway, "tollgate_authorizes_total", "outcome=\"denied\"", "reason=\"account_not_found\""));
        Assert.Equal(1, Sample(gateway, "tollgate_authorizes_total", "outcome=\"denied\"", "reason=\"model_unknown\""));
        Assert.Equal(2, Sample(gateway, "tollgate_authorizes_total", "outcome=\"allowed\""));
        Assert.Equal(4, Sample(gateway, "tollgate_authorize_duration_seconds_count"));
        Assert.Equal(3, Sample(gateway, "tollgate_settle_duration_seconds_count", "outcome=\"settled\""));
        Assert.Contains("tollgate_settle_duration_seconds_bucket{", gateway);
        Assert.Equal(2_000, Sample(gateway, "tollgate_charged_total"));
        Assert.Equal(19_800, Sample(gateway, "tollgate_uncollected_total"));
        Assert.Equal(1, Sample(gateway, "tollgate_unpriced_model_requests_total", "model=\"unpriced-metrics\""));
        Assert.Contains("http_server_request_duration_seconds_bucket{", gateway); // ASP.NET Core
        Assert.Contains("kestrel_", gateway);
        Assert.Contains("db_client_", gateway);                                      // Npgsql (the denial log's writes)
        Assert.Contains("\norleans_", gateway);                                       // Orleans' client
        Assert.DoesNotContain("acme-metrics", gateway);                               // never tagged by account
        Assert.DoesNotContain("198.51.100.1", gateway);                               // nor by caller IP

        // The silo's HTTP port is private, as its /health: its metrics need no token.
        using var silo = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{cluster.Silos[0].Ports.Http}") };
        var siloMetrics = await ScrapeAsync(silo, TollgateTelemetry.MetricsPath);
        Assert.True(Sample(siloMetrics, "tollgate_group_commit_batch_size_count", "outcome=\"committed\"") >= 1, siloMetrics);
        Assert.True(Sample(siloMetrics, "tollgate_group_commit_batch_size_sum", "outcome=\"committed\"") >= 4); // 2 creations, 2 settles at least
        Assert.True(Sample(siloMetrics, "tollgate_group_commit_duration_seconds_count", "outcome=\"committed\"") >= 1);
        Assert.Contains("\norleans_", siloMetrics);
        Assert.Contains("db_client_", siloMetrics);
        Assert.DoesNotContain("tollgate_authorizes", siloMetrics); // each process exports its own meters
    }

    [Fact]
    public async Task A_gateway_request_s_trace_continues_in_the_grain_calls_it_makes()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await TestCluster.StartAsync(database);
        await CreateAccountAsync(cluster.Admin, "acme", 1_000_000);
        await SetPriceAsync(cluster.Admin, "m1", 2_000_000, 8_000_000);

        var spans = new SpanLog();
        using var callers = new ActivitySource("Tollgate.Tests.Caller"); // a traced caller: its HttpClient sends the trace context
        using (TollgateTelemetry.AddTollgateSources(Sdk.CreateTracerProviderBuilder()).AddSource(callers.Name).AddInMemoryExporter(spans).Build())
        {
            ActivityTraceId traceId;
            using (var caller = callers.StartActivity("call the gateway", ActivityKind.Client)!)
            {
                traceId = caller.TraceId;
                var answer = await AuthorizeAsync(cluster.Metering, "traced", account: "acme");
                Assert.True(Allowed(answer));
            }

            bool InTrace(string source, ActivityKind kind, string name) => spans.Snapshot().Any(span => span.TraceId == traceId && span.Source.Name == source
                && span.Kind == kind && span.DisplayName.Contains(name, StringComparison.Ordinal));
            await Eventually.TrueAsync(() => Task.FromResult(InTrace("Microsoft.Orleans.Application", ActivityKind.Server, "IAccountGrain/Authorize")),
                "the account grain's call (on the silo) is in the caller's trace: " + string.Join("\n",
                    spans.Snapshot().Select(span => $"{span.TraceId} {span.Source.Name} {span.Kind} {span.DisplayName}")), seconds: 10);
            await Eventually.TrueAsync(() => Task.FromResult(InTrace("Microsoft.AspNetCore", ActivityKind.Server, "/v1/authorize")),
                "the gateway's request is in the trace", seconds: 10);
            Assert.True(InTrace("Microsoft.Orleans.Application", ActivityKind.Client, "IAccountGrain/Authorize")); // the gateway's side of the call
            // No limit applies to the caller IP or the model: the gateway's copies of their settings answered, not their grains.
            Assert.False(InTrace("Microsoft.Orleans.Application", ActivityKind.Client, "ICallerIpGrain/Authorize"));
            Assert.False(InTrace("Microsoft.Orleans.Application", ActivityKind.Client, "IModelGrain/Authorize"));
            var request = spans.Snapshot().Single(span => span.TraceId == traceId && span.Source.Name == "Microsoft.AspNetCore");
            var accountCall = spans.Snapshot().Single(span => span.TraceId == traceId && span.Kind == ActivityKind.Client && span.DisplayName.Contains("IAccountGrain/Authorize"));
            Assert.Equal(request.SpanId, accountCall.ParentSpanId); // the grain call is a child of the request
        }
    }

    /// <summary>The in-memory exporter adds spans on the threads that end them while the test reads them: both under one lock.</summary>
    private sealed class SpanLog : System.Collections.ObjectModel.Collection<Activity>
    {
        private readonly Lock _gate = new();

        protected override void InsertItem(int index, Activity item)
        {
            lock (_gate) base.InsertItem(index, item);
        }

        public List<Activity> Snapshot()
        {
            lock (_gate) return [.. this];
        }
    }

    private static async Task<string> ScrapeAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        return text;
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include every one of <paramref name="labels"/>.</summary>
    private static double Sample(string metrics, string name, params string[] labels)
    {
        var total = 0.0;
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith('#') || !(line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))) continue;
            var labelEnd = line.LastIndexOf('}');
            var labelText = labelEnd < 0 ? "" : line[..labelEnd];
            if (!labels.All(labelText.Contains)) continue;
            var value = line[(labelEnd + 1)..].Trim().Split(' ')[0];
            total += double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        return total;
    }
}
