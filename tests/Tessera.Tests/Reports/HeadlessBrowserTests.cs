using System.Diagnostics;
using AngleSharp.Html.Parser;

namespace Tessera.Tests.Reports;

/// <summary>A fact that is skipped, with the reason shown, when no chromium is installed (.ci/run installs Debian's).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessBrowserTests.Chromium() is null)
            Skip = "chromium is not installed (apt-get install chromium); the headless-browser test of the HTML report is skipped";
    }
}

/// <summary>The report as a real browser sees it: Debian's chromium, headless, loads it offline.</summary>
public sealed class HeadlessBrowserTests
{
    /// <summary>The chromium executable on PATH (Debian's is chromium; other distributions say chromium-browser), or null.</summary>
    internal static string? Chromium() =>
        new[] { "chromium", "chromium-browser" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);

    [ChromiumFact]
    public void Chromium_loads_the_default_runs_report_finds_every_chart_and_logs_no_console_message()
    {
        var report = HtmlReportTests.DefaultRunReport();
        var profile = Directory.CreateTempSubdirectory("tessera-chromium-");
        try
        {
            // The page has no script, so anything on its console is the browser complaining about the markup (a bad SVG
            // attribute, a blocked resource): the test fails on any CONSOLE line of chromium's log.
            var start = new ProcessStartInfo(Chromium()!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile.FullName}",
                "--enable-logging=stderr", "--v=0", "--dump-dom", new Uri(report).AbsoluteUri })
                start.ArgumentList.Add(a);
            using var chromium = Process.Start(start)!;
            var stderr = chromium.StandardError.ReadToEndAsync();
            var dom = chromium.StandardOutput.ReadToEnd();
            Assert.True(chromium.WaitForExit(TimeSpan.FromMinutes(2)), "chromium did not finish in 2 minutes");
            var log = stderr.Result;
            Assert.True(chromium.ExitCode == 0, log);
            var console = log.Split('\n').Where(line => line.Contains(":CONSOLE", StringComparison.Ordinal)).ToList();
            Assert.True(console.Count == 0, string.Join("\n", console));

            // The DOM chromium built: every chart is a figure holding an SVG the browser parsed as SVG, with its shapes.
            var document = new HtmlParser().ParseDocument(dom);
            var figures = document.QuerySelectorAll("figure.chart").ToList();
            Assert.Equal(HtmlReportTests.DefaultRunCharts, figures.Select(f => f.Id));
            Assert.All(figures, f =>
            {
                var svg = f.QuerySelector("svg");
                Assert.NotNull(svg);
                Assert.Equal("http://www.w3.org/2000/svg", svg.NamespaceUri);
                Assert.NotEmpty(svg.QuerySelectorAll("path, rect, ellipse"));
            });
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
