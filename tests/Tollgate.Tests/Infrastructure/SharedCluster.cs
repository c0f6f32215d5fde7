namespace Tollgate.Tests.Infrastructure;

/// <summary>
/// One Tollgate (a silo and a gateway on a database of its own) for all the tests of a class whose cases do not
/// interfere: each works on ids of its own, or only reads and is refused. Taken as a class fixture.
/// </summary>
public sealed class SharedCluster : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(await TestPostgres.CreateDatabaseAsync());

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>An id no other case of the class uses (for an account, a key, a model).</summary>
    public static string UniqueId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
