using Spectre.Console;
using Tessera.Studies;

namespace Tessera.Cli.Commands;

/// <summary>Console tables and JSON shapes of the deployment studies.</summary>
internal static partial class StudyOutput
{
    private static string Percent(double ratio) => $"{(ratio - 1) * 100:+0.0;-0.0;0.0} %";

    private static object Package(ComposedPackage p) => new
    {
        p.Name,
        Groups = p.Groups.Select(g => new { g.Role, Design = g.DesignName, Chiplet = g.Candidate.Name, g.Count, g.MemoryType, g.MemoryModules }),
        p.CostUsd, p.Cost.UnitCostUsd, p.Cost.NrePerUnitUsd, p.DieAreaMm2, p.Legal,
        Violations = p.Floorplan.Violations.Select(v => v.Message),
    };

    private static object Describe(RejectedPackage r) => new { r.Label, r.Violation, r.ViolationCount, Package = Package(r.Package) };

    /// <summary>How many packages the floorplan rejected, by violation kind, and the first few with their first violation.</summary>
    private static void PrintRejected(IAnsiConsole console, IReadOnlyList<RejectedPackage> rejected)
    {
        if (rejected.Count == 0) return;
        var kinds = rejected.SelectMany(r => r.Package.Floorplan.Violations.Select(v => v.Kind).Distinct())
            .GroupBy(k => k).Select(g => $"{g.Key} {g.Count()}");
        console.MarkupLine(Markup.Escape($"rejected by the floorplan: {rejected.Count} package(s) (packages per violation kind: {string.Join(", ", kinds)})"));
        var table = new Table().AddColumns("rejected package", "violations", "first violation");
        foreach (var r in rejected.Take(RejectedShown))
            table.AddRow(Markup.Escape(r.Label), r.ViolationCount.ToString(), Markup.Escape(r.Violation));
        console.Write(table);
    }

    /// <summary>Rejected packages listed in the console (all of them are in the JSON).</summary>
    private const int RejectedShown = 8;

    /// <summary>A bespoke-to-baseline ratio as a signed change ("+12.3 %", "-4.0 %").</summary>
    private static string Relative(double ratio) => $"{(ratio - 1) * 100:+0.0;-0.0} %";

    /// <summary>Each baseline family's nearest package against the bespoke one: its package, cost, die area and the study's <paramref name="columns"/>.</summary>
    private static void PrintBaselines<T>(IAnsiConsole console, BaselineMatch match, IEnumerable<(string Family, T? Nearest)> baselines, string meets,
        string[] columns, Func<T, string> label, Func<T, ComposedPackage> package, Func<T, string[]> cells) where T : class
    {
        var compare = new Table().AddColumns([$"baseline (equal {match.ToString().ToLowerInvariant()})", "package", "cost $", "die mm²", .. columns]);
        foreach (var (family, nearest) in baselines)
            if (nearest is { } n)
                compare.AddRow([Markup.Escape(family), Markup.Escape(label(n)), $"{package(n).CostUsd:N0}", $"{package(n).DieAreaMm2:0}", .. cells(n)]);
            else
                compare.AddRow([Markup.Escape(family), $"no package of this family {meets}", "", "", .. columns.Select(_ => "")]);
        console.Write(compare);
    }

    // ------------------------------------------------------------------ speculative decoding

    public static object Describe(SpeculativeResult r) => new
    {
        Study = SpeculativeDecodingStudy.Name,
        Target = r.Config.Target.Name, Draft = r.Config.Draft.Name, r.Config.Bits, r.Config.Batch, r.Config.Context,
        BaselineMatch = r.Config.Match,
        Reference = new { Alpha = r.Config.ReferenceAlpha, Gamma = r.Config.ReferenceGamma },
        Bespoke = r.Bespoke is { } bespoke ? Describe(bespoke) : null,
        Heterogeneous = r.Heterogeneous.Select(Describe),
        Baselines = r.Baselines.Select(Describe),
        Rejected = r.Rejected.Select(Describe),
        r.Simulations, r.WallSeconds,
    };

    private static object Describe(SpeculativePackage p) => new
    {
        p.Label, p.Heterogeneous, Package = Package(p.Package),
        DraftStepSeconds = p.DraftStep.LatencySeconds, DraftStepJ = p.DraftStep.EnergyJ,
        Verifications = p.Verifications.Select(v => new { v.Gamma, Seconds = v.Verify.LatencySeconds, Joules = v.Verify.EnergyJ }),
        p.Points,
    };

    public static void Print(IAnsiConsole console, SpeculativeResult r)
    {
        var c = r.Config;
        console.MarkupLine(Markup.Escape($"speculative decoding: target {c.Target.Name}, draft {c.Draft.Name}, {c.Bits}-bit, batch {c.Batch}, context {c.Context}"));
        var packages = new Table().AddColumns("package", "cost $", "die mm²", "legal", "draft step", "verify (γ+1 tokens)");
        var reference = $"at α {c.ReferenceAlpha:0.##}, γ {c.ReferenceGamma}";
        packages.AddColumns($"tok/s {reference}", "mJ/tok", "E·C mJ·$");
        foreach (var p in r.Heterogeneous.Concat(r.Baselines))
        {
            var at = p.At(c.ReferenceAlpha, c.ReferenceGamma);
            packages.AddRow(Markup.Escape(p.Label + (p == r.Bespoke ? " (bespoke)" : p.Heterogeneous ? "" : " (baseline)")), $"{p.Package.CostUsd:N0}", $"{p.Package.DieAreaMm2:0}",
                p.Package.Legal ? "yes" : "[red]no[/]", Units.Si(p.DraftStep.LatencySeconds, "s"),
                string.Join(", ", p.Verifications.Select(v => $"γ{v.Gamma}: {Units.Si(v.Verify.LatencySeconds, "s")}")),
                $"{at.TokensPerSecond:0.0}", $"{at.EnergyPerTokenJ * 1e3:0.00}", $"{at.EnergyPerTokenJ * 1e3 * p.Package.CostUsd:N0}");
        }
        if (r.Heterogeneous.Length + r.Baselines.Length > 0) console.Write(packages);
        PrintRejected(console, r.Rejected);
        if (r.Bespoke is null)
        {
            console.MarkupLine(Markup.Escape($"no heterogeneous package is physically legal; {r.Simulations} simulations, {r.WallSeconds:0.0} s"));
            return;
        }
        var table = new Table().AddColumns("α", "γ", "E[[tokens]]", "bespoke tok/s", "bespoke mJ/tok");
        foreach (var b in r.Baselines)
            table.AddColumns($"{Markup.Escape(b.Label)} tok/s", "bespoke throughput", "mJ/tok", "bespoke energy");
        foreach (var point in r.Bespoke.Points.OrderBy(p => p.Gamma).ThenBy(p => p.Alpha))
        {
            var row = new List<string> { $"{point.Alpha:0.##}", point.Gamma.ToString(), $"{point.ExpectedTokens:0.00}",
                $"{point.TokensPerSecond:0.0}", $"{point.EnergyPerTokenJ * 1e3:0.00}" };
            foreach (var b in r.Baselines)
            {
                var q = b.At(point.Alpha, point.Gamma);
                row.AddRange([$"{q.TokensPerSecond:0.0}", Percent(point.TokensPerSecond / q.TokensPerSecond),
                    $"{q.EnergyPerTokenJ * 1e3:0.00}", Percent(point.EnergyPerTokenJ / q.EnergyPerTokenJ)]);
            }
            table.AddRow([.. row]);
        }
        console.Write(table);
        console.MarkupLine(Markup.Escape($"{r.Simulations} simulations, {r.WallSeconds:0.0} s; baselines run draft and target one after the other on the same chiplets, at about the bespoke package's {c.Match.ToString().ToLowerInvariant()}"));
    }
}
