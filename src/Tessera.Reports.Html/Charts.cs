using ScottPlot;
using Tessera.Floorplanning;
using Tessera.Search;

namespace Tessera.Reports.Html;

/// <summary>A named series of (x, y) points.</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>
/// The report's charts, drawn by ScottPlot and returned as SVG markup. Axes carry their unit with an SI prefix chosen
/// from the data (ms, µJ …), so every chart reads without knowing the base units.
/// </summary>
public static class Charts
{
    public const int Width = 720;
    public const int Height = 400;

    /// <summary>
    /// Named rather than ScottPlot's Fonts.Sans, which resolves to a serif face on Debian; a browser without it falls
    /// back to its own sans-serif.
    /// </summary>
    private const string FontFamily = "DejaVu Sans";


    private static readonly ScottPlot.Palettes.Category10 Palette = new();

    /// <summary>Color i of the palette every chart shares (models, parts and cores keep their colour across charts).</summary>
    public static Color ColorOf(int i) => Palette.GetColor(i);

    /// <summary>
    /// Points in the latency–energy plane, the non-dominated ones joined in a line, the highlighted one circled.
    /// </summary>
    public static string Pareto(string title, IReadOnlyList<(string Label, double LatencySeconds, double EnergyJ)> points, int? highlighted = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        var plot = NewPlot(title);
        var (xScale, xUnit) = NumberFormat.SiScale(points.Select(p => p.LatencySeconds), "s");
        var (yScale, yUnit) = NumberFormat.SiScale(points.Select(p => p.EnergyJ), "J");
        var front = NonDominated(points.Select(p => new[] { p.LatencySeconds, p.EnergyJ }).ToList());
        var others = Enumerable.Range(0, points.Count).Where(i => !front.Contains(i)).ToList();
        if (others.Count > 0)
        {
            var rest = plot.Add.ScatterPoints(others.Select(i => points[i].LatencySeconds * xScale).ToArray(),
                others.Select(i => points[i].EnergyJ * yScale).ToArray(), Colors.Gray);
            rest.LegendText = "dominated";
            rest.MarkerSize = 6;
        }
        var ordered = front.OrderBy(i => points[i].LatencySeconds).ToList();
        var line = plot.Add.Scatter(ordered.Select(i => points[i].LatencySeconds * xScale).ToArray(),
            ordered.Select(i => points[i].EnergyJ * yScale).ToArray(), ColorOf(0));
        line.LegendText = "Pareto front";
        line.ConnectStyle = ConnectStyle.StepHorizontal;
        line.MarkerSize = 8;
        if (highlighted is { } h)
        {
            var chosen = plot.Add.ScatterPoints(new[] { points[h].LatencySeconds * xScale }, new[] { points[h].EnergyJ * yScale }, ColorOf(3));
            chosen.LegendText = $"chosen ({points[h].Label})";
            chosen.MarkerShape = MarkerShape.OpenCircle;
            chosen.MarkerSize = 16;
        }
        // Labels for the front only: the dominated points are many and their names would cover each other.
        if (ordered.Count <= 12)
            foreach (var i in ordered.Where(i => points[i].Label.Length > 0))
            {
                var text = plot.Add.Text(points[i].Label, points[i].LatencySeconds * xScale, points[i].EnergyJ * yScale);
                text.LabelFontSize = 10;
                text.OffsetX = 6;
            }
        plot.XLabel($"latency ({xUnit})");
        plot.YLabel($"energy ({yUnit})");
        // Outside the axes: the dominated points gather in the upper right, where a legend inside would hide them.
        plot.ShowLegend(Edge.Right);
        return Svg(plot);
    }

    /// <summary>Stacked bars: one bar per category, one segment per part (parts in legend order, bottom first).</summary>
    public static string StackedBars(string title, IReadOnlyList<string> categories, IReadOnlyList<string> parts, double[,] values, string unit)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(values);
        var plot = NewPlot(title);
        var totals = Enumerable.Range(0, categories.Count).Select(c => Enumerable.Range(0, parts.Count).Sum(p => values[c, p]));
        var (scale, prefixed) = NumberFormat.SiScale(totals, unit);
        var bars = new List<Bar>();
        for (int c = 0; c < categories.Count; c++)
        {
            double bottom = 0;
            for (int p = 0; p < parts.Count; p++)
            {
                double top = bottom + values[c, p] * scale;
                bars.Add(new Bar { Position = c, ValueBase = bottom, Value = top, FillColor = ColorOf(p) });
                bottom = top;
            }
        }
        plot.Add.Bars(bars);
        for (int p = 0; p < parts.Count; p++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = parts[p], FillColor = ColorOf(p) });
        plot.ShowLegend(Alignment.UpperRight);
        CategoryTicks(plot.Axes.Bottom, categories);
        plot.Axes.Margins(bottom: 0);
        plot.YLabel(prefixed.Length > 0 ? $"{unit switch { "J" => "energy", _ => "value" }} ({prefixed})" : "");
        return Svg(plot);
    }

    /// <summary>Horizontal bars, one per category (resources have long names: they read down the left axis).</summary>
    public static string HorizontalBars(string title, IReadOnlyList<string> categories, IReadOnlyList<double> values, string axis, string unit,
        IReadOnlyList<int>? colors = null)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(values);
        var plot = NewPlot(title);
        var (scale, prefixed) = unit == "%" ? (100.0, "%") : NumberFormat.SiScale(values, unit);
        // The first category on top, as in the tables.
        int n = categories.Count;
        var bars = Enumerable.Range(0, n).Select(i => new Bar
        {
            Position = n - 1 - i, Value = values[i] * scale, FillColor = ColorOf(colors?[i] ?? 0),
        }).ToList();
        var plottable = plot.Add.Bars(bars);
        plottable.Horizontal = true;
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, n).Select(i => (double)(n - 1 - i))], [.. categories]);
        plot.Axes.Margins(left: 0);
        if (values.All(v => v == 0)) plot.Axes.SetLimitsX(0, 1);
        plot.XLabel(prefixed.Length > 0 ? $"{axis} ({prefixed})" : axis);
        return Svg(plot, height: Math.Max(Height, 60 + 18 * n));
    }

    /// <summary>Step series over time (memory occupancy): each value holds from its time until the next.</summary>
    public static string Steps(string title, IReadOnlyList<Series> series, string xUnit, string yUnit, string yAxis)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plot = NewPlot(title);
        var (xScale, xPrefixed) = NumberFormat.SiScale(series.SelectMany(s => s.X), xUnit);
        var (yScale, yPrefixed) = NumberFormat.SiScale(series.SelectMany(s => s.Y), yUnit);
        for (int i = 0; i < series.Count; i++)
        {
            var line = plot.Add.Scatter(series[i].X.Select(x => x * xScale).ToArray(), series[i].Y.Select(y => y * yScale).ToArray(), ColorOf(i));
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.MarkerSize = 0;
            line.LegendText = series[i].Name;
        }
        if (series.Count == 0)
        {
            plot.Axes.SetLimits(0, 1, 0, 1);
            plot.Add.Text("no data", 0.5, 0.5).LabelFontSize = 14;
        }
        plot.XLabel($"time ({xPrefixed})");
        plot.YLabel($"{yAxis} ({yPrefixed})");
        if (series.Count <= 16) plot.ShowLegend(Alignment.UpperRight);
        return Svg(plot);
    }

    /// <summary>
    /// A roofline on log–log axes: operators as points (MACs per off-chip byte, achieved MAC/s), coloured by group,
    /// under each group's compute roof and the memory roof (intensity × bandwidth).
    /// </summary>
    public static string Roofline(string title, IReadOnlyList<(string Group, double MacsPerByte, double MacsPerSecond)> points,
        IReadOnlyList<(string Group, double PeakMacsPerSecond)> roofs, double bandwidthBytesPerSecond)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(roofs);
        var plot = NewPlot(title);
        if (points.Count == 0 || bandwidthBytesPerSecond <= 0)
        {
            plot.Axes.SetLimits(0, 1, 0, 1);
            plot.Add.Text("no operator read off-chip data", 0.2, 0.5).LabelFontSize = 14;
            return Svg(plot);
        }
        var groups = roofs.Select(r => r.Group).Concat(points.Select(p => p.Group)).Distinct(StringComparer.Ordinal).ToList();
        double xMin = points.Min(p => p.MacsPerByte) / 2, xMax = points.Max(p => p.MacsPerByte) * 2;
        foreach (var (group, peak) in roofs)
        {
            // Attainable = min(peak, intensity × bandwidth): the sloped part up to the ridge point, then flat.
            double ridge = peak / bandwidthBytesPerSecond;
            double[] xs = [Math.Min(xMin, ridge), ridge, Math.Max(xMax, ridge * 2)];
            double[] ys = [.. xs.Select(x => Math.Min(peak, x * bandwidthBytesPerSecond))];
            var roof = plot.Add.Scatter(xs.Select(Math.Log10).ToArray(), ys.Select(Math.Log10).ToArray(), ColorOf(groups.IndexOf(group)));
            roof.MarkerSize = 0;
            // Solid: Skia's SVG canvas cannot write a dash effect and says so on stdout, which would corrupt --json output.
            roof.LineWidth = 2;
        }
        foreach (var group in groups)
        {
            var mine = points.Where(p => p.Group == group).ToList();
            if (mine.Count == 0) continue;
            var dots = plot.Add.ScatterPoints(mine.Select(p => Math.Log10(p.MacsPerByte)).ToArray(), mine.Select(p => Math.Log10(p.MacsPerSecond)).ToArray(),
                ColorOf(groups.IndexOf(group)));
            dots.LegendText = group;
            dots.MarkerSize = 6;
        }
        plot.Axes.Bottom.TickGenerator = LogTicks();
        plot.Axes.Left.TickGenerator = LogTicks();
        plot.XLabel("operational intensity (MAC per off-chip byte)");
        plot.YLabel("achieved MAC/s");
        plot.ShowLegend(Alignment.LowerRight);
        return Svg(plot);
    }

    /// <summary>
    /// Draws one small chart of every kind and throws them away: the first chart pays for loading Skia and the fonts, and
    /// each kind for compiling its plotting code, which a command can pay on another core while it computes.
    /// </summary>
    public static void WarmUp()
    {
        Pareto("", [("", 1, 2), ("", 2, 1)], 0);
        StackedBars("", ["a", "b"], ["x", "y"], new double[,] { { 1, 2 }, { 3, 4 } }, "J");
        HorizontalBars("", ["a", "b"], [0.5, 1], "", "%");
        Steps("", [new Series("a", [0, 1], [1, 2])], "s", "B", "");
        Roofline("", [("a", 1, 1e9), ("a", 10, 2e9)], [("a", 4e9)], 1e9);
    }

    /// <summary>The indices of the points no other point dominates (both objectives minimised): NSGA-II's first front.</summary>
    public static HashSet<int> NonDominated(IReadOnlyList<double[]> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return points.Count == 0 ? [] : [.. Nsga2.Sort(points)[0]];
    }

    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = exponent => Math.Pow(10, exponent).ToString("0.#E+0", System.Globalization.CultureInfo.InvariantCulture),
    };

    private static void CategoryTicks(IAxis axis, IReadOnlyList<string> categories)
    {
        axis.SetTicks([.. Enumerable.Range(0, categories.Count).Select(i => (double)i)], [.. categories]);
        if (categories.Count > 4 || categories.Any(c => c.Length > 12))
        {
            axis.TickLabelStyle.Rotation = 45;
            axis.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            // ScottPlot sizes the axis for level labels; a turned label needs its length × sin 45° below the plot.
            axis.MinimumSize = (float)(24 + categories.Max(c => c.Length) * axis.TickLabelStyle.FontSize * FloorplanSvg.GlyphWidthEm * Math.Sqrt(0.5));
        }
    }

    private static Plot NewPlot(string title)
    {
        var plot = new Plot();
        plot.Font.Set(FontFamily);
        plot.Title(title, size: 15);
        return plot;
    }

    private static string Svg(Plot plot, int width = Width, int height = Height) => plot.GetSvgXml(width, height);
}
