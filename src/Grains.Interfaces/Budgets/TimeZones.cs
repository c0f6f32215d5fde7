namespace Tollgate.Grains.Budgets;

/// <summary>IANA time zones by id, as budgets and accounts name them.</summary>
public static class TimeZones
{
    public const string Utc = "UTC";

    /// <summary>The zone of an IANA id (<c>Europe/Berlin</c>); null when the machine's zone database does not know it.</summary>
    public static TimeZoneInfo? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64) return null;
        if (id == Utc) return TimeZoneInfo.Utc;
        // A Windows id is not an IANA one: ids are stored and shown as operators wrote them, so only IANA ids are taken.
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) || !zone.HasIanaId) return null;
        return zone;
    }
}
