using System.ComponentModel;
using Tollgate.Gateway.Api;

namespace Tollgate.Gateway.Admin;

/// <summary>The optional body of an admin action that takes nothing but who did it (revoking a key, voiding a grant).</summary>
public sealed record ActorBody : ApiDocs.IStrictJsonBody
{
    [Description("Who did it; \"admin\" by default.")]
    public string? Actor { get; init; }

    /// <summary>No body is an empty one; a broken one is still an error.</summary>
    public static ValueTask<ActorBody?> BindAsync(HttpContext context) =>
        JsonBody.BindOptionalAsync(context, body => new ActorBody { Actor = body.OptionalString("actor", AdminCommands.MaxActor) }, new ActorBody());
}
