using System.Text.RegularExpressions;

namespace Tollgate.Grains.Alerts;

/// <summary>
/// What an alert event is about: its owner's kind. Shared by the grains that emit events, the gateway that writes
/// test events and the silos that deliver them (an <see cref="Endpoint"/> event goes to that endpoint alone).
/// </summary>
public static class AlertOwnerKinds
{
    public const string Account = "account";
    public const string Key = "key";

    /// <summary>A webhook endpoint: its test events, delivered to it and to no other.</summary>
    public const string Endpoint = "endpoint";

    public static bool IsKnown(string? kind) => kind is Account or Key or Endpoint;
}

/// <summary>Event types and event ids as they go on the wire (the JSON body and the <c>Tollgate-Event-Id</c> header).</summary>
public static partial class AlertEvents
{
    /// <summary>The type of the event <c>POST /admin/webhooks/{id}/test</c> sends.</summary>
    public const string TestType = "test";

    public const int MaxIdLength = 200;

    /// <summary>An event id: letters, digits and <c>. _ : -</c>, so it is safe in an HTTP header and a URL as it is.</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>A type: lower-case words with dots and underscores, e.g. <c>budget.threshold_crossed</c>.</summary>
    public static bool IsValidType(string? type) => type is not null && TypePattern().IsMatch(type);

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,200}\\z")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9_.]{1,100}\\z")]
    private static partial Regex TypePattern();
}
