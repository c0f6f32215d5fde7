using System.Security.Cryptography;
using System.Text;
using Tollgate.Gateway.Api;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// Admits a request only with <c>Authorization: Bearer &lt;Admin:Token&gt;</c>, compared in constant
/// time. With no token configured the admin API refuses everything. The token is never logged.
/// </summary>
public sealed class AdminTokenFilter(IConfiguration configuration) : IEndpointFilter
{
    private readonly byte[]? _expected = Hash(configuration["Admin:Token"]);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        if (_expected is null)
            throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized", "The admin API is disabled: no Admin:Token is configured on this gateway.");
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized", "An admin bearer token is required.");
        }
        if (!CryptographicOperations.FixedTimeEquals(Hash(header["Bearer ".Length..].Trim()), _expected))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized", "The admin bearer token is not valid.");
        }
        return next(context);
    }

    // Hashing first makes the comparison constant-time regardless of the tokens' lengths.
    private static byte[]? Hash(string? token) => string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
