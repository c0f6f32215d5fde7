using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace Tollgate.Gateway.Operator.Html;

/// <summary>One bar of a chart: its label (any text: it is encoded) and its value.</summary>
public sealed record ChartPoint(string Label, long Value);

/// <summary>
/// Charts as inline SVG, drawn on the server: columns over time and ranked horizontal bars. Every piece of text that
/// goes into the markup (labels come from callers: account ids, model names) is HTML-encoded here.
/// </summary>
public static class SvgChart
{
    private const int Width = 720;
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    /// <summary>Columns, one per point, left to right (a time series); the first and last labels under the axis.</summary>
    public static IHtmlContent Columns(string title, IReadOnlyList<ChartPoint> points, Func<long, string> format, string color = "#3b6fd4")
    {
        const int height = 180, top = 20, bottom = 30, left = 8;
        var svg = Start(title, Width, height);
        if (points.Count == 0) return Finish(svg.Append(Empty(height)));
        var max = Math.Max(1, points.Max(p => p.Value));
        var plot = height - top - bottom;
        var step = (double)(Width - 2 * left) / points.Count;
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            var barHeight = Math.Max(point.Value > 0 ? 1.0 : 0.0, plot * (double)Math.Max(0, point.Value) / max);
            var x = left + i * step;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{N(x + step * 0.1)}\" y=\"{N(top + plot - barHeight)}\" width=\"{N(step * 0.8)}\" height=\"{N(barHeight)}\" fill=\"{color}\">")
                .Append("<title>").Append(Encoder.Encode($"{point.Label}: {format(point.Value)}")).Append("</title></rect>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plot}\" x2=\"{Width - left}\" y2=\"{top + plot}\" stroke=\"#999\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{height - 10}\" font-size=\"11\" fill=\"#555\">").Append(Encoder.Encode(points[0].Label)).Append("</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - left}\" y=\"{height - 10}\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">").Append(Encoder.Encode(points[^1].Label)).Append("</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"12\" font-size=\"11\" fill=\"#555\">max ").Append(Encoder.Encode(format(max))).Append("</text>");
        return Finish(svg);
    }

    /// <summary>Horizontal bars, one per point, top to bottom (a ranking), each with its label and value.</summary>
    public static IHtmlContent Bars(string title, IReadOnlyList<ChartPoint> points, Func<long, string> format, string color = "#3b6fd4")
    {
        const int row = 24, labelWidth = 240, valueWidth = 110;
        var height = Math.Max(1, points.Count) * row + 8;
        var svg = Start(title, Width, height);
        if (points.Count == 0) return Finish(svg.Append(Empty(height)));
        var max = Math.Max(1, points.Max(p => p.Value));
        var plot = Width - labelWidth - valueWidth;
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            var y = 4 + i * row;
            var barWidth = Math.Max(point.Value > 0 ? 1.0 : 0.0, plot * (double)Math.Max(0, point.Value) / max);
            var label = point.Label.Length > 36 ? point.Label[..35] + "…" : point.Label;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth - 6}\" y=\"{y + 16}\" font-size=\"12\" text-anchor=\"end\" fill=\"#222\">").Append(Encoder.Encode(label)).Append("</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{labelWidth}\" y=\"{y + 3}\" width=\"{N(barWidth)}\" height=\"{row - 8}\" fill=\"{color}\">")
                .Append("<title>").Append(Encoder.Encode($"{point.Label}: {format(point.Value)}")).Append("</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(labelWidth + barWidth + 6)}\" y=\"{y + 16}\" font-size=\"12\" fill=\"#222\">").Append(Encoder.Encode(format(point.Value))).Append("</text>");
        }
        return Finish(svg);
    }

    private static StringBuilder Start(string title, int width, int height) =>
        new StringBuilder().Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\" aria-label=\"")
            .Append(Encoder.Encode(title)).Append("\"><title>").Append(Encoder.Encode(title)).Append("</title>");

    private static string Empty(int height) =>
        string.Create(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{height / 2}\" font-size=\"12\" fill=\"#777\" text-anchor=\"middle\">no data</text>");

    private static HtmlString Finish(StringBuilder svg) => new(svg.Append("</svg>").ToString());

    private static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
