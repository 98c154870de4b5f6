using System.Globalization;
using System.Net;
using System.Text;

namespace TcpChat.Bench.Report;

/// <summary>A bar (median, with a min-max whisker) of one configuration.</summary>
public sealed record Bar(string Name, double Median, double Min, double Max);

/// <summary>A line of one configuration: (x, y) points, x on a log scale.</summary>
public sealed record Line(string Name, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// Just enough SVG for the benchmark's chart: panels of bars with whiskers, and panels of lines over a log x axis, laid
/// out in a grid. Text is escaped; numbers are invariant.
/// </summary>
public sealed class Svg(int columns, int panelWidth = 470, int panelHeight = 300)
{
    private static readonly string[] Palette = ["#1b7837", "#5aae61", "#2166ac", "#b2182b", "#e08214", "#762a83", "#4d4d4d"];
    private readonly StringBuilder _body = new();
    private readonly Dictionary<string, string> _colors = new();
    private int _panels;

    /// <summary>The same name always gets the same colour, in the order names are first seen.</summary>
    public string ColorOf(string name)
    {
        if (!_colors.TryGetValue(name, out var c)) _colors[name] = c = Palette[_colors.Count % Palette.Length];
        return c;
    }

    public void Bars(string title, string unit, IReadOnlyList<Bar> bars)
    {
        var (x0, y0) = NextPanel(title);
        const int left = 70, top = 40, bottom = 50, right = 15;
        double w = panelWidth - left - right, h = panelHeight - top - bottom;
        double max = Nice(bars.Count == 0 ? 1 : bars.Max(b => Math.Max(b.Max, b.Median)));
        Axis(x0 + left, y0 + top, w, h, max, unit);
        double slot = w / Math.Max(1, bars.Count);
        for (int i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            double bw = slot * 0.6, bx = x0 + left + i * slot + (slot - bw) / 2;
            double bh = h * b.Median / max, by = y0 + top + h - bh;
            Add($"<rect x=\"{N(bx)}\" y=\"{N(by)}\" width=\"{N(bw)}\" height=\"{N(bh)}\" fill=\"{ColorOf(b.Name)}\"/>");
            double cx = bx + bw / 2, ymin = y0 + top + h - h * b.Min / max, ymax = y0 + top + h - h * b.Max / max;
            Add($"<line x1=\"{N(cx)}\" y1=\"{N(ymin)}\" x2=\"{N(cx)}\" y2=\"{N(ymax)}\" stroke=\"#000\" stroke-width=\"1.2\"/>");
            Add($"<line x1=\"{N(cx - 5)}\" y1=\"{N(ymax)}\" x2=\"{N(cx + 5)}\" y2=\"{N(ymax)}\" stroke=\"#000\"/>");
            Add($"<line x1=\"{N(cx - 5)}\" y1=\"{N(ymin)}\" x2=\"{N(cx + 5)}\" y2=\"{N(ymin)}\" stroke=\"#000\"/>");
            Add($"<text x=\"{N(cx)}\" y=\"{N(Math.Min(by, ymax) - 4)}\" font-size=\"11\" text-anchor=\"middle\">{E(Short(b.Median))}</text>");
            Add($"<text x=\"{N(cx)}\" y=\"{N(y0 + top + h + 16)}\" font-size=\"11\" text-anchor=\"middle\">{E(b.Name)}</text>");
        }
    }

    public void Lines(string title, string xUnit, string yUnit, IReadOnlyList<Line> lines)
    {
        var (x0, y0) = NextPanel(title);
        const int left = 70, top = 40, bottom = 50, right = 110;
        double w = panelWidth - left - right, h = panelHeight - top - bottom;
        var all = lines.SelectMany(l => l.Points).ToList();
        double max = Nice(all.Count == 0 ? 1 : all.Max(p => p.Y));
        double lx = Math.Log10(all.Count == 0 ? 1 : all.Min(p => p.X)), hx = Math.Log10(all.Count == 0 ? 10 : all.Max(p => p.X));
        if (hx - lx < 1e-9) hx = lx + 1;
        Axis(x0 + left, y0 + top, w, h, max, yUnit);
        double X(double x) => x0 + left + w * (Math.Log10(x) - lx) / (hx - lx);
        double Y(double y) => y0 + top + h - h * y / max;
        foreach (double x in all.Select(p => p.X).Distinct().Order())
            Add($"<text x=\"{N(X(x))}\" y=\"{N(y0 + top + h + 16)}\" font-size=\"11\" text-anchor=\"middle\">{E(Short(x))}</text>");
        Add($"<text x=\"{N(x0 + left + w / 2)}\" y=\"{N(y0 + top + h + 34)}\" font-size=\"11\" text-anchor=\"middle\">{E(xUnit)}</text>");
        int k = 0;
        foreach (var line in lines)
        {
            if (line.Points.Count == 0) continue;
            string color = ColorOf(line.Name);
            string pts = string.Join(' ', line.Points.OrderBy(p => p.X).Select(p => $"{N(X(p.X))},{N(Y(p.Y))}"));
            Add($"<polyline points=\"{pts}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>");
            foreach (var p in line.Points) Add($"<circle cx=\"{N(X(p.X))}\" cy=\"{N(Y(p.Y))}\" r=\"3\" fill=\"{color}\"/>");
            double ly = y0 + top + 10 + 16 * k++;
            Add($"<rect x=\"{N(x0 + left + w + 10)}\" y=\"{N(ly - 8)}\" width=\"10\" height=\"10\" fill=\"{color}\"/>");
            Add($"<text x=\"{N(x0 + left + w + 24)}\" y=\"{N(ly + 1)}\" font-size=\"11\">{E(line.Name)}</text>");
        }
    }

    public override string ToString()
    {
        int rows = (_panels + columns - 1) / columns;
        return $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{columns * panelWidth}\" height=\"{rows * panelHeight}\" "
            + $"font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n{_body}</svg>\n";
    }

    private (double X, double Y) NextPanel(string title)
    {
        double x0 = _panels % columns * panelWidth, y0 = _panels / columns * panelHeight;
        _panels++;
        Add($"<text x=\"{N(x0 + panelWidth / 2.0)}\" y=\"{N(y0 + 20)}\" font-size=\"13\" font-weight=\"bold\" text-anchor=\"middle\">{E(title)}</text>");
        return (x0, y0);
    }

    private void Axis(double x, double y, double w, double h, double max, string unit)
    {
        for (int i = 0; i <= 4; i++)
        {
            double v = max * i / 4, gy = y + h - h * i / 4;
            Add($"<line x1=\"{N(x)}\" y1=\"{N(gy)}\" x2=\"{N(x + w)}\" y2=\"{N(gy)}\" stroke=\"#ddd\"/>");
            Add($"<text x=\"{N(x - 6)}\" y=\"{N(gy + 4)}\" font-size=\"10\" text-anchor=\"end\">{E(Short(v))}</text>");
        }
        Add($"<line x1=\"{N(x)}\" y1=\"{N(y)}\" x2=\"{N(x)}\" y2=\"{N(y + h)}\" stroke=\"#000\"/>");
        Add($"<line x1=\"{N(x)}\" y1=\"{N(y + h)}\" x2=\"{N(x + w)}\" y2=\"{N(y + h)}\" stroke=\"#000\"/>");
        Add($"<text x=\"{N(x - 55)}\" y=\"{N(y + h / 2)}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 {N(x - 55)} {N(y + h / 2)})\">{E(unit)}</text>");
    }

    /// <summary>The axis top: the smallest of 1, 2, 2.5, 5 times a power of ten at or above <paramref name="v"/>.</summary>
    internal static double Nice(double v)
    {
        if (!(v > 0)) return 1;
        double p = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (double m in new[] { 1, 2, 2.5, 5, 10 })
            if (m * p >= v) return m * p;
        return 10 * p;
    }

    /// <summary>1.2M, 350k, 4.5, 0.12.</summary>
    public static string Short(double v) =>
        Math.Abs(v) >= 1e6 ? (v / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M"
        : Math.Abs(v) >= 1e4 ? (v / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k"
        : Math.Abs(v) >= 100 ? v.ToString("0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 1 ? v.ToString("0.##", CultureInfo.InvariantCulture)
        : v.ToString("0.###", CultureInfo.InvariantCulture);

    private void Add(string element) => _body.Append(element).Append('\n');

    private static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
