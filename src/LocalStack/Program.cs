using Microsoft.Extensions.Hosting;
using System.Security.Cryptography;
using Tollgate.Gateway;
using Tollgate.Persistence;
using Tollgate.Silo;

// Runs a whole local Tollgate in the foreground: a private PostgreSQL (unless one is configured),
// a silo and a gateway. Ctrl-C stops all of it; the data stays in .tollgate/ for the next run.
var home = Path.GetFullPath(Environment.GetEnvironmentVariable("TOLLGATE_HOME") ?? ".tollgate");
Directory.CreateDirectory(home);
var siloHttpPort = Environment.GetEnvironmentVariable("TOLLGATE_SILO_HTTP_PORT") ?? "5100";
var siloPort = Environment.GetEnvironmentVariable("TOLLGATE_SILO_PORT") ?? "11111";
var siloGatewayPort = Environment.GetEnvironmentVariable("TOLLGATE_SILO_GATEWAY_PORT") ?? "30000";
var gatewayPort = Environment.GetEnvironmentVariable("TOLLGATE_GATEWAY_PORT") ?? "8080";
var (adminToken, adminTokenSource) = Token("TOLLGATE_ADMIN_TOKEN", Path.Combine(home, "admin-token"), "tg_admin_");
var (serviceToken, serviceTokenSource) = Token("TOLLGATE_SERVICE_TOKEN", Path.Combine(home, "service-token"), "tg_service_");

LocalPostgres? postgres = null;
var connectionString = Environment.GetEnvironmentVariable("Postgres__ConnectionString");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.WriteLine($"Starting a private PostgreSQL in {Path.Combine(home, "postgres")} ...");
    postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(Path.Combine(home, "postgres"), Ephemeral: false));
    connectionString = postgres.ConnectionString;
}

// Request logs would drown the summary below; warnings and errors still show.
string[] quiet = ["--Logging:LogLevel:Default=Information", "--Logging:LogLevel:Microsoft.AspNetCore=Warning", "--Logging:LogLevel:Microsoft.Hosting=Warning",
    "--Logging:LogLevel:Orleans=Warning"];
try
{
    var silo = await SiloApp.BuildAsync([$"--Postgres:ConnectionString={connectionString}", $"--Urls=http://127.0.0.1:{siloHttpPort}",
        $"--Silo:SiloPort={siloPort}", $"--Silo:GatewayPort={siloGatewayPort}", .. quiet, .. args]);
    var gateway = GatewayApp.Build([$"--Urls=http://127.0.0.1:{gatewayPort}", $"--Admin:Token={adminToken}", $"--Metering:ServiceToken={serviceToken}",
        $"--Postgres:ConnectionString={connectionString}", .. quiet, .. args]);
    await silo.StartAsync();
    await gateway.StartAsync();

    var url = $"http://127.0.0.1:{gatewayPort}";
    Console.WriteLine($"""

        Tollgate is running (Ctrl-C stops it).
          gateway:     {url}
          silo:        Orleans silo port {siloPort}, gateway port {siloGatewayPort}; health at http://127.0.0.1:{siloHttpPort}/health
          postgres:    {(postgres is null ? "configured by Postgres__ConnectionString" : $"{postgres.ConnectionString} (data in {Path.Combine(home, "postgres")})")}
          admin token: {adminToken}  ({adminTokenSource})
          service token (metering API): {serviceToken}  ({serviceTokenSource})

        Try it:
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
    await gateway.StopAsync();
    await silo.StopAsync();
    await gateway.DisposeAsync();
    await silo.DisposeAsync();
}
finally
{
    if (postgres is not null) await postgres.DisposeAsync();
    Console.WriteLine("Tollgate stopped.");
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
