using System.Globalization;
using Tollgate.Grains;

namespace Tollgate.Gateway.Operator.Html;

/// <summary>Nano-USD as operators read and type it: dollars with up to nine decimals.</summary>
public static class Money
{
    /// <summary>"$1.50", "-$0.000002", "$0.00".</summary>
    public static string Format(long nanos)
    {
        var dollars = Math.Abs((decimal)nanos) / Credits.NanosPerUsd;
        var text = dollars.ToString(dollars != 0 && dollars < 0.01m ? "0.#########" : "#,0.00#######", CultureInfo.InvariantCulture);
        return (nanos < 0 ? "-$" : "$") + text;
    }

    /// <summary>Reads dollars typed into a form ("5", "-2.50", "0.000001"): whole nano-USD, or false.</summary>
    public static bool TryParse(string? text, out long nanos) => TryParse(text, Credits.MaxAmount, out nanos);

    /// <summary>As <see cref="TryParse(string?, out long)"/>, up to <paramref name="max"/> nano-USD either way (a budget's cap may exceed one amount's).</summary>
    public static bool TryParse(string? text, long max, out long nanos)
    {
        nanos = 0;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 32) return false;
        if (!decimal.TryParse(text.Trim().TrimStart('$'), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var dollars)) return false;
        var exact = dollars * Credits.NanosPerUsd;
        if (decimal.Truncate(exact) != exact || Math.Abs(exact) > max) return false;
        nanos = (long)exact;
        return true;
    }
}
