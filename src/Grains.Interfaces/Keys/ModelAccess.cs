namespace Tollgate.Grains.Keys;

/// <summary>
/// The models an API key may use: patterns that are each an exact model name (<c>text-embedding-3-small</c>) or a
/// prefix ending in one <c>*</c> (<c>gpt-4o*</c>; a lone <c>*</c> is every model). No list (null) is every model.
/// Names compare as the grains key them: case-sensitive, ordinal.
/// </summary>
public static class ModelAccess
{
    public const int MaxPatterns = 100;
    public const int MaxPatternLength = Models.ModelNames.MaxLength;

    /// <summary>Whether a key with <paramref name="patterns"/> may use <paramref name="model"/>.</summary>
    public static bool Allows(IReadOnlyList<string>? patterns, string model)
    {
        if (patterns is null) return true;
        foreach (var pattern in patterns)
        {
            if (pattern.EndsWith('*') ? model.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal) : model == pattern)
                return true;
        }
        return false;
    }

    /// <summary>Null when the list is valid (null included), otherwise what is wrong with it.</summary>
    public static string? Problem(IReadOnlyList<string>? patterns)
    {
        if (patterns is null) return null;
        // An empty list would let the key use nothing: that is revoking it, and too easy to reach by mistake.
        if (patterns.Count == 0) return "An empty list would allow no model: send null to allow every model, or revoke the key.";
        if (patterns.Count > MaxPatterns) return $"A key has at most {MaxPatterns} model patterns; got {patterns.Count}.";
        foreach (var pattern in patterns)
        {
            if (!IsPattern(pattern))
                return $"'{Shown(pattern)}' is not a model pattern: a model name (1 to {MaxPatternLength} characters of letters, digits and . _ : / @ + -), "
                    + "or a prefix of one ending in a single '*' (e.g. gpt-4o*), or '*' for every model.";
        }
        return null;
    }

    private static bool IsPattern(string? pattern) =>
        pattern == "*" || pattern is { Length: <= MaxPatternLength } && Models.ModelNames.IsValid(pattern.EndsWith('*') ? pattern.AsSpan(0, pattern.Length - 1) : pattern);

    /// <summary>A bad pattern as an error message shows it: bounded, and without control characters.</summary>
    private static string Shown(string? pattern) =>
        pattern is null ? "null" : new string([.. pattern.Take(60).Select(c => char.IsControl(c) ? '?' : c)]) + (pattern.Length > 60 ? "…" : "");
}
