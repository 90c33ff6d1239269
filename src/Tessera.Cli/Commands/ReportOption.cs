using System.CommandLine;
using Tessera.Reports.Html;

namespace Tessera.Cli.Commands;

/// <summary>--report FILE: a self-contained HTML report (inline SVG charts, no script), its path checked before the run starts.</summary>
internal static class ReportOption
{
    public static Option<string?> Create() => new("--report")
    {
        Description = "Write a self-contained HTML report (charts as inline SVG, tables, the manifest; opens offline) to this file",
    };

    /// <summary>The report file, checked now (its folder exists, it is not a folder); null without --report.</summary>
    public static OutputFile? Open(string? path) => OutputFile.File(path, "--report");

    /// <summary>Writes the report built by <paramref name="build"/> (built only when a file was given).</summary>
    public static void Write(OutputFile? file, Func<HtmlReport> build) => file?.WriteText(build().Write);
}
