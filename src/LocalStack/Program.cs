using Microsoft.Extensions.Hosting;
using System.Security.Cryptography;
using Tollgate.FakeUpstream;
using Tollgate.Gateway;
using Tollgate.LocalStack;
using Tollgate.Persistence;
using Tollgate.Silo;

// Runs a whole local Tollgate in the foreground: a private PostgreSQL (unless one is configured),
// a silo, a gateway and a fake OpenAI-compatible upstream, with a demo model routed to it, an account
// and a key. Ctrl-C stops all of it; the data stays in .tollgate/ for the next run.
var home = Path.GetFullPath(Environment.GetEnvironmentVariable("TOLLGATE_HOME") ?? ".tollgate");
IReadOnlyList<LocalPort> ports;
try
{
    ports =
    [
        LocalPort.From("the gateway", "TOLLGATE_GATEWAY_PORT", 8080, Environment.GetEnvironmentVariable),
        LocalPort.From("the fake upstream", "TOLLGATE_FAKE_UPSTREAM_PORT", 8090, Environment.GetEnvironmentVariable),
        LocalPort.From("the silo's Orleans silo-to-silo port", "TOLLGATE_SILO_PORT", 11111, Environment.GetEnvironmentVariable),
        LocalPort.From("the silo's Orleans gateway port", "TOLLGATE_SILO_GATEWAY_PORT", 30000, Environment.GetEnvironmentVariable),
        LocalPort.From("the silo's health endpoint", "TOLLGATE_SILO_HTTP_PORT", 5100, Environment.GetEnvironmentVariable),
    ];
}
catch (LocalStackException e)
{
    return Fail(e.Message);
}
// Before anything starts: a taken port is one line naming it and its variable, not a stack trace after PostgreSQL started.
if (LocalPorts.Problem(ports) is { } portProblem) return Fail(portProblem);
var (gatewayPort, upstreamPort, siloPort, siloGatewayPort, siloHttpPort) = (ports[0].Port, ports[1].Port, ports[2].Port, ports[3].Port, ports[4].Port);
Directory.CreateDirectory(home);
var (adminToken, adminTokenSource) = Token("TOLLGATE_ADMIN_TOKEN", Path.Combine(home, "admin-token"), "tg_admin_");
var (serviceToken, serviceTokenSource) = Token("TOLLGATE_SERVICE_TOKEN", Path.Combine(home, "service-token"), "tg_service_");

LocalPostgres? postgres = null;
var connectionString = Environment.GetEnvironmentVariable("Postgres__ConnectionString");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.WriteLine($"Starting a private PostgreSQL in {Path.Combine(home, "postgres")} ...");
    try
    {
        // A run still stopping (Ctrl-C a moment ago) owns the folder until its PostgreSQL has stopped: wait for it, bounded.
        postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(Path.Combine(home, "postgres"), Ephemeral: false) { Notice = Console.WriteLine });
    }
    catch (DataDirectoryBusyException e)
    {
        return Fail(e.Message + " (The run command's data folder is TOLLGATE_HOME.)");
    }
    connectionString = postgres.ConnectionString;
}

// Request logs would drown the summary below; warnings and errors still show.
string[] quiet = ["--Logging:LogLevel:Default=Information", "--Logging:LogLevel:Microsoft.AspNetCore=Warning", "--Logging:LogLevel:Microsoft.Hosting=Warning",
    "--Logging:LogLevel:Orleans=Warning", "--Logging:LogLevel:Polly=Warning"];
try
{
    var silo = await SiloApp.BuildAsync([$"--Postgres:ConnectionString={connectionString}", $"--Urls=http://127.0.0.1:{siloHttpPort}",
        $"--Silo:SiloPort={siloPort}", $"--Silo:GatewayPort={siloGatewayPort}", "--Silo:Dashboard=true", .. quiet, .. args]);
    var upstreamUrl = $"http://127.0.0.1:{upstreamPort}";
    var upstream = FakeUpstreamApp.Build([$"--Urls={upstreamUrl}", $"--FakeUpstream:ApiKey={DemoSetup.UpstreamKey}", .. quiet]);
    var gateway = GatewayApp.Build([$"--Urls=http://127.0.0.1:{gatewayPort}", $"--Admin:Token={adminToken}", $"--Metering:ServiceToken={serviceToken}",
        $"--Postgres:ConnectionString={connectionString}", $"--Proxy:Providers:{DemoSetup.Provider}:BaseUrl={upstreamUrl}/v1",
        $"--Proxy:Providers:{DemoSetup.Provider}:ApiKey={DemoSetup.UpstreamKey}",
        "--Webhooks:RequireHttps=false", // a local receiver (http://127.0.0.1:…) may take this cluster's webhooks
        .. quiet, .. args]);
    try
    {
        await upstream.StartAsync();
        await silo.StartAsync();
        await gateway.StartAsync();
    }
    catch (Exception e) when (LocalPorts.InUse(e, ports) is { } taken)
    {
        // Taken between the check above and the start (another program was quicker): stop what did start, then say which.
        using var quickly = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        foreach (var host in new IHost[] { gateway, silo, upstream })
        {
            try { await host.StopAsync(quickly.Token); } catch (Exception) { } // best effort: the message below is what matters
        }
        return Fail(LocalPorts.Taken(taken));
    }

    var url = $"http://127.0.0.1:{gatewayPort}";
    var (demoKey, demoKeySource) = await DemoSetup.EnsureAsync(new Uri(url), adminToken, Path.Combine(home, "demo-key"));
    Console.WriteLine($"""

        Tollgate is running (Ctrl-C stops it).
          gateway:     {url}
          console:     {url}/ops  (the operator console: accounts, keys, usage, budgets; sign in with the admin token below)
          dashboard:   {url}/dashboard/  (the Orleans dashboard: silos, grains, calls; the same sign-in)
          silo:        Orleans silo port {siloPort}, gateway port {siloGatewayPort}; health at http://127.0.0.1:{siloHttpPort}/health
          upstream:    fake OpenAI-compatible provider '{DemoSetup.Provider}' at {upstreamUrl}/v1
          postgres:    {(postgres is null ? "configured by Postgres__ConnectionString" : $"{postgres.ConnectionString} (data in {Path.Combine(home, "postgres")})")}
          admin token: {adminToken}  ({adminTokenSource})
          service token (metering API): {serviceToken}  ({serviceTokenSource})
          demo:        account '{DemoSetup.Account}' (credit {DemoSetup.CreditUsd} USD), model '{DemoSetup.Model}' routed to {DemoSetup.Provider} as '{DemoSetup.UpstreamModel}'
          demo key:    {demoKey}  ({demoKeySource})

        The proxy (OpenAI-compatible; any OpenAI SDK works with base URL {url}/v1 and the demo key):
          curl -s {url}/v1/chat/completions -H 'Authorization: Bearer {demoKey}' -H 'Content-Type: application/json' \
            -d '{"{"}"model":"{DemoSetup.Model}","messages":[{"{"}"role":"user","content":"Hello"{"}"}]{"}"}'
          OPENAI_BASE_URL={url}/v1 OPENAI_API_KEY={demoKey} node --input-type=module -e \
            'import OpenAI from "openai"; const s = await new OpenAI().chat.completions.create({"{"}model: "{DemoSetup.Model}", stream: true, messages: [{"{"}role: "user", content: "Hi"{"}"}]{"}"}); for await (const c of s) process.stdout.write(c.choices[0]?.delta?.content ?? "")'
            (needs the openai package: npm install openai)
          curl -s {url}/admin/accounts/{DemoSetup.Account} -H 'Authorization: Bearer {adminToken}'

        The metering API, for gateways that call the upstream themselves:
          curl -s -X POST {url}/admin/accounts -H 'Authorization: Bearer {adminToken}' -H 'Content-Type: application/json' \
            -d '{"{"}"account_id":"acme","initial_credit":5000000000{"}"}'
          curl -s -X POST {url}/admin/models/gpt-4o-mini/prices -H 'Authorization: Bearer {adminToken}' -H 'Content-Type: application/json' \
            -d '{"{"}"input_per_million":150000000,"output_per_million":600000000{"}"}'
          curl -s -X POST {url}/v1/authorize -H 'Authorization: Bearer {serviceToken}' -H 'Content-Type: application/json' \
            -d '{"{"}"request_id":"r1","account_id":"acme","caller_ip":"203.0.113.7","model":"gpt-4o-mini","estimated_input_tokens":100,"max_output_tokens":200{"}"}'
          curl -s {url}/admin/accounts/acme -H 'Authorization: Bearer {adminToken}'

        """);

    // Both hosts listen for Ctrl-C/SIGTERM. Once either is asked to stop, stop both, exactly once
    // and in order: the gateway (no new calls), then the silo (flush holds, leave the cluster), then PostgreSQL.
    var stopping = new TaskCompletionSource();
    silo.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
    gateway.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
    await stopping.Task;
    Console.WriteLine("Stopping ...");
    postgres?.MarkStopping(); // a run started meanwhile waits for this one's PostgreSQL to stop
    await gateway.StopAsync();
    await silo.StopAsync();
    await upstream.StopAsync();
    await gateway.DisposeAsync();
    await silo.DisposeAsync();
    await upstream.DisposeAsync();
}
finally
{
    if (postgres is not null) await postgres.DisposeAsync();
    Console.WriteLine("Tollgate stopped.");
}
return 0;

// One line on standard error, and a non-zero exit.
static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 2;
}

// A token from the environment, else the one saved in the data folder, else a new one saved there; and where it came from.
static (string Token, string Source) Token(string variable, string path, string prefix)
{
    if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } given) return (given, $"from {variable}");
    if (File.Exists(path)) return (File.ReadAllText(path).Trim(), $"saved in {path}");
    var token = prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    File.WriteAllText(path, token);
    if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    return (token, $"generated and saved in {path}");
}
