using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Tessera.Reports.Html;

/// <summary>A chart or drawing: an id unique in the report, a title, SVG markup and an optional caption.</summary>
public sealed record ReportFigure(string Id, string Title, string Svg, string Caption = "");

/// <summary>A part of a report: a heading, its figures, then its tables.</summary>
public sealed record ReportSection(string Title, ImmutableArray<ReportFigure> Figures, ImmutableArray<ResultTable> Tables)
{
    public ReportSection(string title, IEnumerable<ReportFigure> figures, IEnumerable<ResultTable>? tables = null)
        : this(title, [.. figures], [.. tables ?? []]) { }
}

/// <summary>
/// A self-contained HTML report: every chart inline SVG, styles inline, no script and no external resource, so it
/// opens offline in any browser and can be mailed as one file. The manifest closes it.
/// </summary>
public sealed partial record HtmlReport(string Title, string Subtitle, Manifest Manifest, ImmutableArray<ReportSection> Sections)
{
    /// <summary>Every figure of the report, in order.</summary>
    public IEnumerable<ReportFigure> Figures => Sections.SelectMany(s => s.Figures);

    /// <summary>
    /// Draws every kind of chart and writes a small report to nowhere, so that a command's own report, drawn after it has
    /// computed, finds Skia loaded and the drawing and writing code compiled; run on another core while the command computes.
    /// </summary>
    public static void WarmUp()
    {
        Charts.WarmUp();
        var table = new ResultTable("t", "", [new ResultColumn("a", ValueKind.Text), new ResultColumn("b", ValueKind.Seconds)], [["x", 1e-3]], ["n"]);
        new HtmlReport("", "", Manifest.Create([], []), [new ReportSection("s", [new ReportFigure("f", "", "<svg></svg>")], [table])]).Write(TextWriter.Null);
    }

    public void Write(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var duplicate = Figures.GroupBy(f => f.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"two figures with id {duplicate.Key}");
        writer.WriteLine("<!DOCTYPE html>");
        writer.WriteLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        writer.WriteLine($"<title>{E(Title)}</title>");
        writer.WriteLine($"<style>{Style}</style></head><body>");
        writer.WriteLine($"<h1>{E(Title)}</h1>");
        if (Subtitle.Length > 0) writer.WriteLine($"<p class=\"subtitle\">{E(Subtitle)}</p>");
        writer.WriteLine("<nav><ul>");
        foreach (var (section, i) in Sections.Select((s, i) => (s, i)))
            writer.WriteLine($"<li><a href=\"#section-{i}\">{E(section.Title)}</a></li>");
        writer.WriteLine("<li><a href=\"#manifest\">manifest</a></li></ul></nav>");
        foreach (var (section, i) in Sections.Select((s, i) => (s, i)))
        {
            writer.WriteLine($"<section id=\"section-{i}\"><h2>{E(section.Title)}</h2>");
            // Figures and tables flow side by side, wrapping to the window's width.
            writer.WriteLine("<div class=\"flow\">");
            foreach (var figure in section.Figures) WriteFigure(writer, figure);
            foreach (var table in section.Tables) WriteTable(writer, table);
            writer.WriteLine("</div></section>");
        }
        WriteManifest(writer, Manifest);
        writer.WriteLine("</body></html>");
    }

    private static void WriteFigure(TextWriter writer, ReportFigure figure)
    {
        writer.WriteLine($"<figure class=\"chart\" id=\"{E(figure.Id)}\" data-title=\"{E(figure.Title)}\">");
        writer.WriteLine(Inline(figure.Svg, figure.Id, figure.Title));
        if (figure.Caption.Length > 0) writer.WriteLine($"<figcaption>{E(figure.Caption)}</figcaption>");
        writer.WriteLine("</figure>");
    }

    /// <summary>
    /// An SVG document made fit to sit inline beside others: no XML declaration, its ids (clip paths) prefixed with the
    /// figure's so two charts' ids never collide, coordinate lists without the trailing comma Skia leaves (a parse
    /// error in browsers), and a title for screen readers.
    /// </summary>
    internal static string Inline(string svg, string figureId, string title)
    {
        var text = XmlDeclaration().Replace(svg, "").Trim();
        text = IdAttribute().Replace(text, m => $"id=\"{figureId}-{m.Groups[1].Value}\"");
        text = UrlReference().Replace(text, m => $"url(#{figureId}-{m.Groups[1].Value})");
        text = HrefReference().Replace(text, m => $"{m.Groups[1].Value}=\"#{figureId}-{m.Groups[2].Value}\"");
        text = CoordinateList().Replace(text, m => $"{m.Groups[1].Value}=\"{string.Join(' ', m.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}\"");
        var open = text.IndexOf("<svg", StringComparison.Ordinal);
        var end = text.IndexOf('>', open);
        return text[..end] + $" role=\"img\" aria-label=\"{E(title)}\">" + $"<title>{E(title)}</title>" + text[(end + 1)..];
    }

    private static void WriteTable(TextWriter writer, ResultTable table)
    {
        writer.WriteLine("<div class=\"table\"><table>");
        writer.WriteLine($"<caption>{E(table.Title)}{(table.Caption.Length > 0 ? " — " + E(table.Caption) : "")}</caption>");
        writer.Write("<thead><tr>");
        foreach (var column in table.Columns) writer.Write($"<th>{E(Csv.Header(column))}</th>");
        writer.WriteLine("</tr></thead><tbody>");
        foreach (var row in table.Rows)
        {
            writer.Write("<tr>");
            for (int c = 0; c < row.Length; c++)
            {
                var text = NumberFormat.InBaseUnit(row[c], table.Columns[c].Kind);
                writer.Write(row[c].Text is null ? $"<td class=\"n\">{E(text)}</td>" : $"<td>{E(text)}</td>");
            }
            writer.WriteLine("</tr>");
        }
        writer.WriteLine("</tbody></table>");
        foreach (var note in table.Notes) writer.WriteLine($"<p class=\"note\">{E(note)}</p>");
        writer.WriteLine("</div>");
    }

    private static void WriteManifest(TextWriter writer, Manifest m)
    {
        writer.WriteLine("<section id=\"manifest\"><h2>manifest</h2><dl>");
        void Item(string key, string? value) => writer.WriteLine($"<dt>{E(key)}</dt><dd>{E(value ?? "—")}</dd>");
        Item("tool", $"{m.Tool} {m.Version}");
        Item("commit", m.Commit);
        Item("command line", string.Join(' ', m.CommandLine));
        Item("technology library SHA-256", m.TechnologySha256);
        Item("cost model", m.CostModel);
        Item("seed", m.Seed?.ToString(CultureInfo.InvariantCulture));
        Item("date (UTC)", m.DateUtc);
        Item("machine", m.Machine);
        writer.WriteLine("</dl>");
        if (m.Inputs.Length > 0)
        {
            writer.WriteLine("<table><caption>input files</caption><thead><tr><th>path</th><th>SHA-256</th></tr></thead><tbody>");
            foreach (var input in m.Inputs) writer.WriteLine($"<tr><td>{E(input.Path)}</td><td><code>{E(input.Sha256)}</code></td></tr>");
            writer.WriteLine("</tbody></table>");
        }
        writer.WriteLine("</section>");
    }

    /// <summary>
    /// A column's base unit as an axis names it: the CSV's unit (<see cref="Csv.Unit"/>), rates as "/s" and "/J" so an SI
    /// prefix reads "k/s" rather than "k1/s".
    /// </summary>
    internal static string Unit(ValueKind kind) => Csv.Unit(kind) is ['1', '/', ..] rate ? rate[1..] : Csv.Unit(kind);

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private const string Style =
        "body{font-family:sans-serif;margin:1.5em auto;max-width:1500px;padding:0 1em;color:#222}" +
        "h1{margin-bottom:.2em}.subtitle{color:#555;margin-top:0}nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4em 1.2em}" +
        ".flow{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}figure{margin:0;border:1px solid #ddd;padding:.3em;background:#fff}" +
        "figure svg{display:block;max-width:100%;height:auto}figcaption{font-size:.85em;color:#555;max-width:720px}" +
        "table{border-collapse:collapse;margin:0 0 1em;font-size:.85em}caption{text-align:left;font-weight:bold;padding:.3em 0}" +
        "th,td{border:1px solid #ccc;padding:.2em .5em}th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}" +
        ".table{overflow-x:auto;max-width:100%}.note{font-size:.85em;color:#555}dt{font-weight:bold;margin-top:.4em}dd{margin-left:1.5em;word-break:break-all}";

    [GeneratedRegex(@"<\?xml[^>]*\?>")]
    private static partial Regex XmlDeclaration();

    [GeneratedRegex("id=\"([^\"]+)\"")]
    private static partial Regex IdAttribute();

    [GeneratedRegex(@"url\(#([^)]+)\)")]
    private static partial Regex UrlReference();

    [GeneratedRegex("(href|xlink:href)=\"#([^\"]+)\"")]
    private static partial Regex HrefReference();

    [GeneratedRegex("\\b(x|y|dx|dy)=\"([^\"]*,[^\"]*)\"")]
    private static partial Regex CoordinateList();
}
