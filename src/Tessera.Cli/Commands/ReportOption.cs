using System.CommandLine;
using Tessera.Reports.Html;

namespace Tessera.Cli.Commands;

/// <summary>
/// --report FILE: a self-contained HTML report (inline SVG charts, no script). The path is checked before the run starts,
/// and the report's drawing and writing are warmed up on another thread while the run computes.
/// </summary>
internal sealed record ReportOption(OutputFile File, Task Ready)
{
    public static Option<string?> Create() => new("--report")
    {
        Description = "Write a self-contained HTML report (charts as inline SVG, tables, the manifest; opens offline) to this file",
    };

    /// <summary>The report file, checked now (its folder exists, it is not a folder); null without --report.</summary>
    public static ReportOption? Open(string? path) => OutputFile.File(path, "--report") is { } file ? new ReportOption(file, Task.Run(HtmlReport.WarmUp)) : null;

    /// <summary>Writes the report built by <paramref name="build"/> (built only when a file was given, after the warm-up).</summary>
    public static void Write(ReportOption? report, Func<HtmlReport> build)
    {
        if (report is null) return;
        report.Ready.GetAwaiter().GetResult();
        report.File.WriteText(build().Write);
    }
}
