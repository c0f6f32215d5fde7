using System.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tollgate.Runtime.Activations;
using Tollgate.Runtime.Hosting;

namespace Tollgate.Runtime.Transport;

/// <summary>The silo's internal endpoint: one POST per grain call, answered with the response's JSON.</summary>
public static class GrainCallEndpoint
{
    private const int MaxBodyBytes = 1 << 20;

    public static IEndpointConventionBuilder MapGrainCalls(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(CallEnvelope.Path, HandleAsync);

    private static async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var catalog = services.GetRequiredService<Catalog>();
        var registry = services.GetRequiredService<GrainRegistry>();
        var options = services.GetRequiredService<SiloOptions>();

        byte[] body;
        int length;
        try
        {
            (body, length) = await ReadBodyAsync(context.Request, context.RequestAborted);
        }
        catch (InvalidDataException ex)
        {
            await WriteErrorAsync(context, new GrainException(GrainErrorCodes.BadMessage, ex.Message));
            return;
        }
        try
        {
            if (!CallEnvelope.TryRead(body.AsSpan(0, length), out var grain, out var message, out var timeoutMs, out var payload))
                throw new GrainException(GrainErrorCodes.BadMessage, "The grain call envelope is malformed.");
            if (!registry.Messages.TryGet(message, out var type))
                throw new GrainException(GrainErrorCodes.UnknownMessage, $"Unknown message '{message}'.");
            object request;
            try
            {
                request = type.DeserializeRequest(payload);
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw new GrainException(GrainErrorCodes.BadMessage, $"The {message} message is malformed: {ex.Message}");
            }
            var timeout = TimeSpan.FromMilliseconds(Math.Min(timeoutMs, options.CallTimeout.TotalMilliseconds));
            var response = await catalog.InvokeAsync(grain, message, request, timeout).WaitAsync(timeout, context.RequestAborted);
            var json = type.SerializeResponse(response);
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = json.Length;
            await context.Response.Body.WriteAsync(json, context.RequestAborted);
        }
        catch (GrainException ex)
        {
            await WriteErrorAsync(context, ex);
        }
        catch (TimeoutException)
        {
            await WriteErrorAsync(context, new GrainException(GrainErrorCodes.Timeout, "The grain call timed out; its effect is unknown."));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; nothing to answer.
        }
        catch (Exception ex)
        {
            services.GetRequiredService<ILogger<Catalog>>().LogError(ex, "Grain call failed unexpectedly");
            await WriteErrorAsync(context, new GrainException(GrainErrorCodes.Internal, "The grain call failed inside the silo."));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private static async Task<(byte[] Body, int Length)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var expected = request.ContentLength ?? 4096;
        if (expected > MaxBodyBytes) throw new InvalidDataException($"A grain call is at most {MaxBodyBytes} bytes.");
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(expected, 256));
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length >= MaxBodyBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw new InvalidDataException($"A grain call is at most {MaxBodyBytes} bytes.");
                }
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

    internal static int StatusOf(string code) => code switch
    {
        GrainErrorCodes.WrongSilo => StatusCodes.Status421MisdirectedRequest,
        GrainErrorCodes.Timeout => StatusCodes.Status504GatewayTimeout,
        GrainErrorCodes.Unavailable or GrainErrorCodes.StorageFailed or GrainErrorCodes.Overloaded => StatusCodes.Status503ServiceUnavailable,
        GrainErrorCodes.Internal => StatusCodes.Status500InternalServerError,
        GrainErrorCodes.BadMessage or GrainErrorCodes.UnknownMessage or GrainErrorCodes.UnknownGrainType => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status409Conflict, // a grain's own rejection
    };

    private static Task WriteErrorAsync(HttpContext context, GrainException error)
    {
        context.Response.StatusCode = StatusOf(error.Code);
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new CallError(error.Code, error.Message, error.RedirectTo), TransportJsonContext.Default.CallError, cancellationToken: context.RequestAborted);
    }
}
