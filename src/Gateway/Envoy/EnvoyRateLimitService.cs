using Envoy.Service.Ratelimit.V3;
using Grpc.Core;
using Tollgate.Gateway.Metering;
using Tollgate.Telemetry;

namespace Tollgate.Gateway.Envoy;

/// <summary>
/// <c>envoy.service.ratelimit.v3.RateLimitService</c>, for Envoy's global rate-limit filter. Envoy authenticates as any gateway
/// does, with the metering API's service token (<c>authorization: Bearer …</c>, from its <c>grpc_service.initial_metadata</c>),
/// unless <c>Envoy:RequireServiceToken</c> is off. A missing or wrong token is <c>UNAUTHENTICATED</c>, which Envoy treats as any
/// failure of the service: its <c>failure_mode_deny</c> decides.
/// </summary>
internal sealed class EnvoyRateLimitService(EnvoyRateLimiter limiter, EnvoyOptions options, MeteringOptions metering, ILogger<EnvoyRateLimitService> logger)
    : RateLimitService.RateLimitServiceBase
{
    private readonly BearerToken? _token = options.RequireServiceToken ? new BearerToken(metering.ServiceToken) : null;

    public override Task<RateLimitResponse> ShouldRateLimit(RateLimitRequest request, ServerCallContext context)
    {
        if (_token is not null && _token.Check(context.RequestHeaders.GetValue("authorization")) != BearerToken.Presented.Token)
        {
            EnvoyMetrics.Answered(EnvoyMetrics.Unauthenticated);
            logger.LogWarning("A rate-limit call without the service token was refused (UNAUTHENTICATED): Envoy's failure_mode_deny decides its request");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Present the gateway's service token: authorization: Bearer <Metering:ServiceToken>."));
        }
        return limiter.ShouldRateLimitAsync(request);
    }
}
