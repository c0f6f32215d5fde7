using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Tollgate.Runtime.Transport;

/// <summary>Which silo serves each partition: <c>Owners[p]</c> indexes <c>Silos</c>, or is -1 when no live lease exists.</summary>
public sealed record ClusterTable(string[] Silos, int[] Owners);

[JsonSerializable(typeof(ClusterTable))]
internal sealed partial class ClusterTableJson : JsonSerializerContext;

/// <summary>Serves the partition table to clients, read from the leases (cached briefly: many gateways may ask).</summary>
public static class ClusterTableEndpoint
{
    public const string Path = "/cluster/table";
    private static readonly TimeSpan CacheFor = TimeSpan.FromMilliseconds(200);

    public static IEndpointConventionBuilder MapClusterTable(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(Path, async (HttpContext context) =>
        {
            var cache = context.RequestServices.GetRequiredService<Cache>();
            var table = await cache.GetAsync(context.RequestServices.GetRequiredService<NpgsqlDataSource>(), context.RequestAborted);
            await context.Response.WriteAsJsonAsync(table, ClusterTableJson.Default.ClusterTable, cancellationToken: context.RequestAborted);
        });

    internal sealed class Cache(Hosting.SiloOptions options)
    {
        private readonly SemaphoreSlim _reading = new(1, 1);
        private (ClusterTable Table, long At)? _cached;

        public async Task<ClusterTable> GetAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
        {
            if (_cached is { } fresh && Environment.TickCount64 - fresh.At < CacheFor.TotalMilliseconds) return fresh.Table;
            await _reading.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_cached is { } again && Environment.TickCount64 - again.At < CacheFor.TotalMilliseconds) return again.Table;
                var table = await ReadAsync(database, options.PartitionCount, cancellationToken).ConfigureAwait(false);
                _cached = (table, Environment.TickCount64);
                return table;
            }
            finally
            {
                _reading.Release();
            }
        }

        private static async Task<ClusterTable> ReadAsync(NpgsqlDataSource database, int partitionCount, CancellationToken cancellationToken)
        {
            var silos = new List<string>();
            var owners = Enumerable.Repeat(-1, partitionCount).ToArray();
            await using var query = database.CreateCommand("""
                SELECT partition_id, owner_address FROM partition_leases
                WHERE expires_at > clock_timestamp() AND partition_id < $1
                """);
            query.Parameters.Add(new NpgsqlParameter { Value = partitionCount });
            await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var address = reader.GetString(1);
                var index = silos.IndexOf(address);
                if (index < 0)
                {
                    index = silos.Count;
                    silos.Add(address);
                }
                owners[reader.GetInt32(0)] = index;
            }
            return new ClusterTable([.. silos], owners);
        }
    }
}
