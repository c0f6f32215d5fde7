using Tollgate.Grains;
using Tollgate.Runtime.Hosting;

namespace Tollgate.Silo;

/// <summary>Builds the silo process: the runtime hosting Tollgate's grains.</summary>
public static class SiloApp
{
    public static async Task<WebApplication> BuildAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        await builder.AddSiloAsync(TollgateGrains.Register, TollgateGrains.Migrations, TollgateMessages.Create(), cancellationToken);
        var app = builder.Build();
        app.MapSilo();
        return app;
    }
}
