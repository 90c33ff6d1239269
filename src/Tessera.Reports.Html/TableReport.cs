using System.Collections.Immutable;
using Tessera.Floorplanning;

namespace Tessera.Reports.Html;

/// <summary>
/// The report of an experiment, a study or the ecosystem, drawn from their result tables: per table, the rows in the
/// latency–energy plane with their Pareto front (when it has a latency and an energy column) and a comparison bar
/// chart per numeric column; then any floorplans, and every table.
/// </summary>
public static class TableReport
{
    /// <summary>Bar charts per table at most (the first numeric columns), and bars per chart.</summary>
    public const int MaxColumnCharts = 6;
    public const int MaxBars = 40;

    public static HtmlReport Build(string title, string subtitle, IReadOnlyList<ResultTable> tables, Manifest manifest,
        IEnumerable<Floorplan>? floorplans = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(manifest);
        var sections = tables.Select((t, i) => new ReportSection(t.Title, Comparison(t, $"t{i}"), [t])).ToList();
        var plans = (floorplans ?? []).ToList();
        if (plans.Count > 0)
            sections.Add(new ReportSection("floorplans", plans.Select((p, i) => new ReportFigure($"floorplan-{i}", $"floorplan of {p.Package}",
                FloorplanSvg.Render(p), p.Legal ? "" : string.Join("; ", p.Violations.Select(v => v.Message))))));
        return new HtmlReport(title, subtitle, manifest, [.. sections]);
    }

    /// <summary>A table's charts: the latency–energy plane when it has both, then a bar chart per numeric column.</summary>
    public static IEnumerable<ReportFigure> Comparison(ResultTable table, string id)
    {
        ArgumentNullException.ThrowIfNull(table);
        var labels = table.Rows.Select(Label).ToList();
        int latency = table.Columns.ToList().FindIndex(c => c.Kind == ValueKind.Seconds);
        int energy = table.Columns.ToList().FindIndex(c => c.Kind == ValueKind.Joules);
        if (latency >= 0 && energy >= 0)
        {
            var points = table.Rows.Select((r, i) => (labels[i], r[latency].Number, r[energy].Number))
                .Where(p => double.IsFinite(p.Item2) && double.IsFinite(p.Item3) && p.Item2 > 0 && p.Item3 > 0).ToList();
            if (points.Count >= 2)
                yield return new ReportFigure($"{id}-pareto", $"{table.Title}: latency against energy",
                    Charts.Pareto($"{Short(table.Title)}: {table.Columns[latency].Header} vs {table.Columns[energy].Header}", points),
                    "Each row a point; the line joins the rows no other row beats in both.");
        }
        int charts = 0;
        for (int c = 0; c < table.Columns.Length && charts < MaxColumnCharts; c++)
        {
            var column = table.Columns[c];
            if (column.Kind == ValueKind.Text) continue;
            var rows = Enumerable.Range(0, table.Rows.Length).Where(r => double.IsFinite(table.Rows[r][c].Number)).Take(MaxBars).ToList();
            if (rows.Count < 2) continue;
            charts++;
            yield return new ReportFigure($"{id}-c{c}", $"{table.Title}: {column.Header}",
                Charts.HorizontalBars($"{Short(table.Title)}: {column.Header}", [.. rows.Select(r => labels[r])], [.. rows.Select(r => table.Rows[r][c].Number)],
                    column.Header, HtmlReport.Unit(column.Kind)),
                table.Rows.Length > MaxBars ? $"The first {MaxBars} of {table.Rows.Length} rows." : "");
        }
    }

    /// <summary>A row's name: its text cells joined (the configuration, package or model it stands for).</summary>
    private static string Label(ImmutableArray<ResultValue> row)
    {
        var label = string.Join(" · ", row.Where(v => v.Text is { Length: > 0 } t && t != "→").Select(v => v.Text));
        return label.Length > 40 ? label[..39] + "…" : label;
    }

    private static string Short(string title) => title.Length > 50 ? title[..49] + "…" : title;
}
