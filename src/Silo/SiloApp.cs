using Tollgate.Grains;
using Tollgate.Runtime.Hosting;

namespace Tollgate.Silo;

/// <summary>Builds the silo process: the runtime hosting Tollgate's grains.</summary>
public static class SiloApp
{
    /// <param name="services">Replaces services after the silo's own (tests swap the clock).</param>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<IServiceCollection>? services = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        await builder.AddSiloAsync(TollgateGrains.Register, TollgateGrains.Migrations, TollgateMessages.Create(), cancellationToken);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapSilo();
        return app;
    }
}
