using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Tessera.Reports.Html;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Reports;

/// <summary>The HTML report: which charts a run's report holds, that it is self-contained, and the helpers it is drawn with.</summary>
public sealed class HtmlReportTests
{
    /// <summary>The charts of a feasible run without a search: energy, resources, memory, roofline and floorplan.</summary>
    internal static readonly string[] DefaultRunCharts = ["energy", "utilisation", "waiting", "memory", "roofline", "floorplan"];

    /// <summary>Writes the report of `tessera run` with these extra arguments (none: the default run) and returns its path.</summary>
    internal static string DefaultRunReport(params string[] extra)
    {
        var path = Path.Combine(Path.GetTempPath(), $"tessera-report-{Guid.NewGuid():N}.html");
        var r = CliRunner.Run(["run", "--report", path, "--progress", "none", .. extra]);
        Assert.True(r.ExitCode == 0, r.Error);
        return path;
    }

    internal static IDocument Parse(string path) => new HtmlParser().ParseDocument(File.ReadAllText(path));

    [Fact]
    public void The_default_runs_report_has_every_chart_each_an_inline_svg_and_no_script()
    {
        var document = Parse(DefaultRunReport());
        var figures = document.QuerySelectorAll("figure.chart").ToList();
        Assert.Equal(DefaultRunCharts, figures.Select(f => f.Id));
        foreach (var figure in figures)
        {
            var svg = figure.QuerySelector("svg");
            Assert.True(svg is not null, $"{figure.Id} has no svg");
            // Drawn, not an empty frame: a title and shapes.
            Assert.False(string.IsNullOrEmpty(svg.GetAttribute("aria-label")), figure.Id);
            Assert.True(svg.QuerySelectorAll("path, rect, ellipse").Length > 3, $"{figure.Id} draws nothing");
        }
        // Offline and script-free: no script, no external reference.
        Assert.Empty(document.QuerySelectorAll("script, link, img, iframe"));
        Assert.DoesNotContain(document.All, e => (e.GetAttribute("href") ?? e.GetAttribute("src") ?? "#").Split('#')[0].Length > 0);
        // Inline SVGs share one id space: every id is unique, and every url(#…) names one of them.
        var ids = document.All.Select(e => e.Id).Where(id => !string.IsNullOrEmpty(id)).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        var referenced = System.Text.RegularExpressions.Regex.Matches(document.DocumentElement.OuterHtml, @"url\(#([^)]+)\)").Select(m => m.Groups[1].Value);
        Assert.All(referenced, id => Assert.Contains(id, ids));
        // The manifest closes the report; the floorplan title says whether the package is legal.
        Assert.Contains("run --report", document.QuerySelector("#manifest")!.TextContent, StringComparison.Ordinal);
        Assert.Matches("(legal|violation)", document.QuerySelector("#floorplan svg text")!.TextContent);
    }

    [Fact]
    public void A_search_adds_its_pareto_front_before_the_other_charts()
    {
        var document = Parse(DefaultRunReport("--scheduler", "ga", "--population", "8", "--generations", "3", "--workload", "resnet18"));
        var ids = document.QuerySelectorAll("figure.chart").Select(f => f.Id).ToList();
        Assert.Equal(["pareto", .. DefaultRunCharts], ids);
    }

    [Fact]
    public void A_report_path_in_a_missing_directory_exits_2_before_the_run()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tessera-missing-{Guid.NewGuid():N}", "report.html");
        foreach (var args in new[] { new[] { "run" }, ["experiment", "stream-fusion", "--reduced"], ["study", "llm-serving"], ["ecosystem", "--suite", "resnet18"] })
        {
            var r = CliRunner.Run([.. args, "--report", path, "--progress", "plain"]);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains($"--report {path}: the directory", r.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("%", r.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_experiments_report_has_its_comparison_charts_one_per_numeric_column()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tessera-report-{Guid.NewGuid():N}.html");
        var r = CliRunner.Run("experiment", "stream-fusion", "--reduced", "--report", path, "--progress", "none");
        Assert.Equal(0, r.ExitCode);
        var document = Parse(path);
        var table = document.QuerySelector("table")!;
        int rows = table.QuerySelectorAll("tbody tr").Length;
        Assert.True(rows >= 2);
        var ids = document.QuerySelectorAll("figure.chart").Select(f => f.Id).ToList();
        // The table has latency and energy columns: the latency–energy plane comes first.
        Assert.Equal("t0-pareto", ids[0]);
        Assert.InRange(ids.Count - 1, 1, TableReport.MaxColumnCharts);
        Assert.All(ids.Skip(1), id => Assert.StartsWith("t0-c", id, StringComparison.Ordinal));
    }

    [Fact]
    public void A_stores_report_has_a_row_and_a_point_per_run()
    {
        var store = Path.Combine(Path.GetTempPath(), $"tessera-store-{Guid.NewGuid():N}.db");
        var scenario = CliRunner.TempFile($"name: stored\nhardware: scar-2x2-het\nmodels:\n  - model: {TestData.Shared("data", "onnx", "2_conv.onnx")}\n");
        foreach (var hardware in new[] { "scar-2x2-het", "scar-2x2-ws" })
            Assert.Equal(0, CliRunner.Run("run", scenario, "--hardware", hardware, "--store", store, "--progress", "none").ExitCode);
        var path = Path.Combine(Path.GetTempPath(), $"tessera-report-{Guid.NewGuid():N}.html");
        var r = CliRunner.Run("results", "list", "--store", store, "--report", path);
        Assert.True(r.ExitCode == 0, r.Error);
        var document = Parse(path);
        // A row per run: its id, kind and name, then its metrics.
        Assert.Equal(["1 run stored", "2 run stored"], document.QuerySelector("table")!.QuerySelectorAll("tbody tr")
            .Select(row => string.Join(' ', row.QuerySelectorAll("td").Take(3).Select(td => td.TextContent.Trim()))));
        // Every run has a latency and an energy, so the latency–energy plane (with its Pareto front) is drawn.
        var plane = document.GetElementById("t0-pareto");
        Assert.NotNull(plane);
        Assert.Equal(2, CliRunner.Run("results", "list", "--store", store, "--report", Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}", "r.html")).ExitCode);
    }

    [Fact]
    public void The_front_is_the_points_no_other_beats_in_both_latency_and_energy()
    {
        // (1, 5) and (2, 2) and (4, 1) trade off; (3, 3) is beaten by (2, 2); (2, 2) again ties with itself, not dominated.
        double[][] points = [[1, 5], [2, 2], [3, 3], [4, 1], [2, 2]];
        Assert.Equal([0, 1, 3, 4], Charts.NonDominated(points).Order());
    }

    [Fact]
    public void An_inlined_svg_has_its_ids_prefixed_its_coordinate_lists_valid_and_a_title()
    {
        const string svg = "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<svg width=\"10\"><clipPath id=\"cl_4\"><rect/></clipPath>" +
            "<g clip-path=\"url(#cl_4)\"><text x=\"-3.5, 1, \" y=\"9.8, \">a</text></g></svg>";
        var inline = HtmlReport.Inline(svg, "energy", "energy & parts");
        Assert.StartsWith("<svg width=\"10\" role=\"img\" aria-label=\"energy &amp; parts\"><title>energy &amp; parts</title>", inline, StringComparison.Ordinal);
        Assert.Contains("id=\"energy-cl_4\"", inline, StringComparison.Ordinal);
        Assert.Contains("url(#energy-cl_4)", inline, StringComparison.Ordinal);
        Assert.Contains("x=\"-3.5 1\" y=\"9.8\"", inline, StringComparison.Ordinal);
    }
}
