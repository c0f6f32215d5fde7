using System.Security.Cryptography;
using System.Text;

namespace Tollgate.Gateway.Api;

/// <summary>
/// Admits a request only with <c>Authorization: Bearer &lt;token&gt;</c>, compared in constant time.
/// With no token configured the API it guards refuses everything. Tokens are never logged.
/// </summary>
public sealed class BearerTokenFilter(string? token, string settingName) : IEndpointFilter
{
    private readonly byte[]? _expected = Hash(token);

    /// <summary>Whether an <c>Authorization</c> value presents the token (never, when none is configured).</summary>
    public bool Accepts(string? authorization) =>
        _expected is not null && authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        && CryptographicOperations.FixedTimeEquals(Hash(authorization["Bearer ".Length..].Trim()), _expected);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        if (_expected is null)
            throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized", $"This API is disabled: no {settingName} is configured on this gateway.");
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized", "A bearer token is required.");
        }
        if (!CryptographicOperations.FixedTimeEquals(Hash(header["Bearer ".Length..].Trim()), _expected))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized", "The bearer token is not valid.");
        }
        return next(context);
    }

    // Hashing first makes the comparison constant-time regardless of the tokens' lengths.
    private static byte[]? Hash(string? token) => string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
