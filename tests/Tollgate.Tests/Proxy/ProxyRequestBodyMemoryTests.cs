using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Tollgate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Tollgate.Tests.Infrastructure.ProxyCalls;

namespace Tollgate.Tests.Proxy;

/// <summary>An open stream holds one copy of its request body (the provider's), not the client's as well, however long it lasts.</summary>
public sealed class ProxyRequestBodyMemoryTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int Streams = 12;
    private const int PaddingBytes = 8_000_000; // the body is a little more; under Proxy:MaxRequestBytes (32 MiB)

    [Fact]
    public async Task Open_streams_with_large_bodies_have_released_the_clients_copy_of_their_body_and_are_charged_when_they_end()
    {
        await using var stack = await ProxyStack.StartAsync(postgres);
        var body = Encoding.UTF8.GetBytes($$"""
            {"model":"{{ProxyStack.Model}}","stream":true,"messages":[{"role":"user","content":"Hi"}],
             "metadata":{"padding":"{{new string('x', PaddingBytes)}}"},
             "fake":{"input_tokens":40,"output_tokens":12,"chunks":3,"hold":"large-bodies"} }
            """);

        // The gateway reads a body into a buffer rented from the shared pool: count those of the body's size rented and not
        // returned while the streams are open (other tests' requests are small, and return theirs at once).
        using var rented = new LargeRentals(PaddingBytes);
        var firstEvents = Enumerable.Range(0, Streams).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var responses = await Task.WhenAll(Enumerable.Range(0, Streams).Select(_ =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return stack.Proxy().SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = content }, HttpCompletionOption.ResponseHeadersRead);
        }));
        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        var reading = responses.Select((response, i) => ReadEventsAsync(response, () =>
        {
            firstEvents[i].SetResult();
            return Task.CompletedTask;
        })).ToArray();
        await Task.WhenAll(firstEvents.Select(first => first.Task)).WaitAsync(TimeSpan.FromSeconds(60));

        // Every stream is open at the provider (it waits at the gate): each has its provider's copy, and should hold no other.
        var held = rented.Outstanding;
        output.WriteLine($"{Streams} open streams with {body.Length} byte bodies: {held} buffers of {PaddingBytes}+ bytes rented and not returned ({rented.Rented} rented in all)");
        Assert.InRange(held, 0, Streams / 4); // one each (12) when the client's copy lives as long as the stream

        stack.Gates.Open("large-bodies");
        var events = await Task.WhenAll(reading).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(events, streamed => Assert.Equal("[DONE]", streamed[^1]));
        foreach (var response in responses)
        {
            var row = await stack.SettledAsync(RequestId(response));
            Assert.Equal((40L, 12L, "success", true, false), (row.InputTokens, row.OutputTokens, row.Outcome, row.Streamed, row.Estimated));
            response.Dispose();
        }
    }

    /// <summary>
    /// Counts the buffers of at least a size rented from <see cref="ArrayPool{T}.Shared"/> (bytes) and not yet returned, from
    /// the pool's own events (raised on the renting thread, so the count is exact when read).
    /// </summary>
    private sealed class LargeRentals : EventListener
    {
        // Field initializers run before the base constructor, which may already enable the source and deliver events.
        private static readonly int SharedPool = ArrayPool<byte>.Shared.GetHashCode(); // the pool's id in its events
        private readonly ConcurrentDictionary<int, int> _outstanding = new(); // by buffer id: rents less returns
        private readonly int _minBytes;
        private int _rented;

        public LargeRentals(int minBytes) => _minBytes = minBytes;

        public int Outstanding => _outstanding.Values.Count(count => count > 0);

        public int Rented => Volatile.Read(ref _rented);

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "System.Buffers.ArrayPoolEventSource") EnableEvents(eventSource, EventLevel.Verbose);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            // BufferRented(bufferId, bufferSize, poolId, bucketId) and BufferReturned(bufferId, bufferSize, poolId).
            if (e.EventName is not ("BufferRented" or "BufferReturned") || e.Payload is not [int id, int size, int pool, ..]) return;
            if (_minBytes == 0 || size < _minBytes || pool != SharedPool) return; // _minBytes is 0 until the constructor has run
            if (e.EventName == "BufferRented")
            {
                Interlocked.Increment(ref _rented);
                _outstanding.AddOrUpdate(id, 1, (_, count) => count + 1);
            }
            else
            {
                _outstanding.AddOrUpdate(id, 0, (_, count) => count - 1); // one rented before the listener started counts as nothing
            }
        }
    }
}
