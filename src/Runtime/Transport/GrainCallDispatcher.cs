using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tollgate.Runtime.Activations;
using Tollgate.Runtime.Hosting;

namespace Tollgate.Runtime.Transport;

/// <summary>The silo's answer to one grain call: an HTTP-style status and the response's (or the error's) JSON.</summary>
internal readonly record struct CallAnswer(int Status, byte[] Body)
{
    public const int Ok = StatusCodes.Status200OK;
}

/// <summary>
/// Runs one grain call arriving from the network: reads its envelope, deserializes the message, runs
/// it on the grain's activation and serializes the answer. Never throws: every failure is an answer
/// with a status and a stable error code. Shared by the single-call and the streaming endpoints.
/// </summary>
internal sealed class GrainCallDispatcher(Catalog catalog, GrainRegistry registry, SiloOptions options, ILogger<GrainCallDispatcher> logger)
{
    /// <summary>Starts a call. The envelope is read before this returns, so its buffer may be reused at once.</summary>
    public Task<CallAnswer> DispatchAsync(ReadOnlySpan<byte> envelope, CancellationToken cancellationToken)
    {
        try
        {
            var (grain, type, request, timeoutMs) = Read(envelope);
            return RunAsync(grain, type, request, TimeSpan.FromMilliseconds(Math.Min(timeoutMs, options.CallTimeout.TotalMilliseconds)), cancellationToken);
        }
        catch (GrainException ex)
        {
            return Task.FromResult(Error(ex));
        }
    }

    private async Task<CallAnswer> RunAsync(GrainId grain, MessageType type, object request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var response = await catalog.InvokeAsync(grain, type.Name, request, timeout).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return new CallAnswer(CallAnswer.Ok, type.SerializeResponse(response));
        }
        catch (GrainException ex)
        {
            return Error(ex);
        }
        catch (TimeoutException)
        {
            return Error(new GrainException(GrainErrorCodes.Timeout, "The grain call timed out; its effect is unknown."));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Error(new GrainException(GrainErrorCodes.Unavailable, "The call was abandoned: its connection closed."));
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Grain call to {Grain} failed unexpectedly", grain);
            return Error(new GrainException(GrainErrorCodes.Internal, "The grain call failed inside the silo."));
        }
    }

    private (GrainId Grain, MessageType Type, object Request, int TimeoutMs) Read(ReadOnlySpan<byte> envelope)
    {
        if (!CallEnvelope.TryRead(envelope, out var grain, out var message, out var timeoutMs, out var payload))
            throw new GrainException(GrainErrorCodes.BadMessage, "The grain call envelope is malformed.");
        if (!registry.Messages.TryGet(message, out var type))
            throw new GrainException(GrainErrorCodes.UnknownMessage, $"Unknown message '{message}'.");
        try
        {
            return (grain, type, type.DeserializeRequest(payload), timeoutMs);
        }
        catch (JsonException ex)
        {
            throw new GrainException(GrainErrorCodes.BadMessage, $"The {message} message is malformed: {ex.Message}");
        }
    }

    public static CallAnswer Error(GrainException error) =>
        new(StatusOf(error.Code), JsonSerializer.SerializeToUtf8Bytes(new CallError(error.Code, error.Message, error.RedirectTo), TransportJsonContext.Default.CallError));

    internal static int StatusOf(string code) => code switch
    {
        GrainErrorCodes.WrongSilo => StatusCodes.Status421MisdirectedRequest,
        GrainErrorCodes.Timeout => StatusCodes.Status504GatewayTimeout,
        GrainErrorCodes.Unavailable or GrainErrorCodes.StorageFailed or GrainErrorCodes.Overloaded => StatusCodes.Status503ServiceUnavailable,
        GrainErrorCodes.Internal => StatusCodes.Status500InternalServerError,
        GrainErrorCodes.BadMessage or GrainErrorCodes.UnknownMessage or GrainErrorCodes.UnknownGrainType => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status409Conflict, // a grain's own rejection
    };
}
