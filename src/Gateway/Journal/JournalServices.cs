namespace Tollgate.Gateway.Journal;

public static class JournalServices
{
    /// <summary>The settlement journal and its replay (<c>Proxy:Journal</c>, see <see cref="JournalOptions"/>).</summary>
    public static WebApplicationBuilder AddSettlementJournal(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Proxy:Journal").Get<JournalOptions>() ?? new JournalOptions();
        options.Validate();
        var directory = Path.GetFullPath(options.Directory, builder.Environment.ContentRootPath);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new JournalFile(directory));
        builder.Services.AddSingleton<JournalTable>();
        builder.Services.AddSingleton<SettlementJournal>();
        builder.Services.AddHostedService<JournalReplay>();
        return builder;
    }
}
