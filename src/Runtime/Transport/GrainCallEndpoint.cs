using System.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Tollgate.Runtime.Transport;

/// <summary>
/// The silo's internal endpoints: <c>POST /grain-calls</c>, the call stream clients use (see
/// <see cref="CallStreamSession"/>), and <c>POST /grain-call</c>, one call per request, for tools and tests.
/// </summary>
public static class GrainCallEndpoint
{
    private const int MaxBodyBytes = 1 << 20;

    public static void MapGrainCalls(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(CallEnvelope.Path, HandleOneAsync);
        endpoints.MapPost(CallFrames.Path, context => context.RequestServices.GetRequiredService<CallStreamSession.Factory>().RunAsync(context));
    }

    private static async Task HandleOneAsync(HttpContext context)
    {
        var dispatcher = context.RequestServices.GetRequiredService<GrainCallDispatcher>();
        CallAnswer answer;
        byte[]? body = null;
        try
        {
            (body, var length) = await ReadBodyAsync(context.Request, context.RequestAborted);
            answer = await dispatcher.DispatchAsync(body.AsSpan(0, length), context.RequestAborted);
        }
        catch (InvalidDataException ex)
        {
            answer = GrainCallDispatcher.Error(new GrainException(GrainErrorCodes.BadMessage, ex.Message));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the caller went away; nothing to answer
        }
        finally
        {
            if (body is not null) ArrayPool<byte>.Shared.Return(body);
        }
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = answer.Body.Length;
        await context.Response.Body.WriteAsync(answer.Body, context.RequestAborted);
    }

    private static async Task<(byte[] Body, int Length)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var expected = request.ContentLength ?? 4096;
        if (expected > MaxBodyBytes) throw new InvalidDataException($"A grain call is at most {MaxBodyBytes} bytes.");
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(expected, 256));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxBodyBytes) throw new InvalidDataException($"A grain call is at most {MaxBodyBytes} bytes.");
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0) return (buffer, length);
                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
