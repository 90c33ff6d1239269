using System.Globalization;
using System.Security;
using System.Text;

namespace Tessera.Floorplanning;

/// <summary>Draws a floorplan as SVG: the carrier, one colour per design, memory stacks grey, links as lines (red when out of reach).</summary>
public static class FloorplanSvg
{
    private const double PixelsPerMm = 10;
    private const double TitleMm = 6;
    private const double TitleFontMm = 2.5;
    /// <summary>
    /// An average advance of a sans-serif glyph, in ems, to size a drawing to its text: near DejaVu Sans's digit advance
    /// (1303/2048 = 0.636 em; narrower letters such as i and l make text average less). Charts size their labels with it too.
    /// </summary>
    public const double GlyphWidthEm = 0.6;
    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f"];

    public static string Render(Floorplan plan)
    {
        var c = CultureInfo.InvariantCulture;
        string N(double mm) => (mm * PixelsPerMm).ToString("0.##", c);
        var designs = plan.Blocks.Where(b => b.Kind == BlockKind.Die).Select(b => b.Design).Distinct(StringComparer.Ordinal).ToList();
        var svg = new StringBuilder();
        var status = plan.Legal ? "legal" : $"{plan.Violations.Length} violation(s)";
        var title = $"{plan.Package}: {plan.WidthMm:0.#} × {plan.HeightMm:0.#} mm, {status}";
        // The drawing is as wide as the carrier or the title, whichever is wider, so the title (and the legality it ends with) is never cut.
        double widthMm = Math.Max(plan.WidthMm, 2 + title.Length * TitleFontMm * GlyphWidthEm);
        svg.AppendLine(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(widthMm)}\" height=\"{N(plan.HeightMm + TitleMm)}\" font-family=\"sans-serif\">");
        svg.AppendLine(c, $"<text x=\"{N(1)}\" y=\"{N(TitleMm * 0.7)}\" font-size=\"{N(TitleFontMm)}\">{Escape(title)}</text>");
        svg.AppendLine(c, $"<g transform=\"translate(0,{N(TitleMm)})\">");
        svg.AppendLine(c, $"<rect x=\"0\" y=\"0\" width=\"{N(plan.WidthMm)}\" height=\"{N(plan.HeightMm)}\" fill=\"#f4f1e8\" stroke=\"#555\"/>");
        foreach (var b in plan.Blocks)
        {
            var fill = b.Kind == BlockKind.MemoryStack ? "#9a9a9a" : Palette[designs.IndexOf(b.Design) % Palette.Length];
            svg.AppendLine(c, $"<rect x=\"{N(b.XMm)}\" y=\"{N(b.YMm)}\" width=\"{N(b.WidthMm)}\" height=\"{N(b.HeightMm)}\" fill=\"{fill}\" stroke=\"#222\"><title>{Escape(b.Id)} ({Escape(b.Design)}) {b.AreaMm2:0.#} mm²</title></rect>");
            svg.AppendLine(c, $"<text x=\"{N(b.CenterXMm)}\" y=\"{N(b.CenterYMm)}\" font-size=\"{N(Math.Min(2, b.WidthMm / 6))}\" text-anchor=\"middle\" fill=\"#fff\">{Escape(b.Id)}</text>");
        }
        var placed = plan.Blocks.ToDictionary(b => b.Id, StringComparer.Ordinal);
        foreach (var l in plan.Links)
        {
            var (a, b) = (placed[l.From], placed[l.To]);
            var colour = l.LengthMm > l.ReachMm ? "#d62728" : "#222";
            svg.AppendLine(c, $"<line x1=\"{N(a.CenterXMm)}\" y1=\"{N(a.CenterYMm)}\" x2=\"{N(b.CenterXMm)}\" y2=\"{N(b.CenterYMm)}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-opacity=\"0.6\"><title>{Escape(l.From)}–{Escape(l.To)} {l.LengthMm:0.##} mm</title></line>");
        }
        svg.AppendLine("</g>");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
