namespace Tollgate.Grains.Models;

/// <summary>What a model name is, as gateways send it (<c>gpt-4o-mini</c>, <c>openai/gpt-4o</c>): the one rule the edge and key patterns share.</summary>
public static class ModelNames
{
    public const int MaxLength = 200;

    /// <summary>1 to <see cref="MaxLength"/> characters of ASCII letters, digits and <c>. _ : / @ + -</c>.</summary>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.Length is < 1 or > MaxLength) return false;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or ':' or '/' or '@' or '+' or '-')) return false;
        }
        return true;
    }
}
