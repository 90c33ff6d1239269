using System.CommandLine;
using Spectre.Console;
using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Floorplanning;
using Tessera.Interop;
using Tessera.Technology;

namespace Tessera.Cli.Commands;

/// <summary>`tessera floorplan HARDWARE`: place a package's dies and memory stacks and check it is buildable.</summary>
internal static class FloorplanCommand
{
    public static Command Create(CliContext context)
    {
        var target = new Argument<string>("hardware") { Description = "A preset name or a hardware YAML file" };
        var packaging = new Option<string>("--packaging") { Description = "2d (organic substrate) or 2.5d (silicon interposer)", DefaultValueFactory = _ => "2.5d" };
        var svg = new Option<string?>("--svg") { Description = "Write the floorplan drawing to this SVG file" };
        var reach = new Option<string?>("--ucie-reach") { Description = "UCIe-advanced reach at 2.5D: spec (2 mm, default) or mozart (10 mm)" };
        var json = new Option<bool>("--json") { Description = "Write JSON instead of tables" };
        var command = new Command("floorplan", "Floorplan of a package with its physical checks (reticle, carrier size, link reach, shoreline, power density)")
            { target, packaging, svg, reach, json };
        command.SetAction(parse =>
        {
            var drawing = OutputFile.File(parse.GetValue(svg), "--svg");
            var technology = TechnologyLibrary.LoadDefault();
            var carrier = CostCommand.ParsePackaging(parse.GetValue(packaging)!);
            var system = HardwareLoader.LoadSystem(parse.GetValue(target)!, technology);
            if (system.Package is not { } package)
            {
                // Each package of a system sits on its own carrier: it is floorplanned and checked on its own.
                var leaves = system.Leaves().Select(l => (l.Path, Plan: Floorplanner.Plan(technology, l.Package, carrier, parse.GetValue(reach)))).ToList();
                if (drawing is not null)
                    throw new TesseraInputException($"--svg draws one package, and '{system.Name}' is a system of {leaves.Count}; expected a package file or preset");
                if (parse.GetValue(json))
                    JsonOutput.WriteResult(context, new { System = system.Name, Legal = leaves.All(l => l.Plan.Legal), Packages = leaves.Select(l => new { l.Path, Floorplan = Describe(l.Plan) }) });
                else Print(context.Console, system.Name, leaves);
                return 0;
            }
            var plan = Floorplanner.Plan(technology, package, carrier, parse.GetValue(reach));
            drawing?.WriteText(writer => writer.Write(FloorplanSvg.Render(plan)));
            if (parse.GetValue(json)) JsonOutput.WriteResult(context, Describe(plan));
            else Print(context.Console, plan);
            return 0;
        });
        return command;
    }

    internal static object Describe(Floorplan p) => new
    {
        p.Package,
        Packaging = p.Packaging == Packaging.Organic2D ? "2d" : "2.5d",
        p.WidthMm, p.HeightMm, p.AreaMm2, p.Legal,
        Blocks = p.Blocks.Select(b => new { b.Id, Kind = b.Kind.ToString(), b.Design, b.XMm, b.YMm, b.WidthMm, b.HeightMm, b.AreaMm2 }),
        p.OffPackageMemories,
        p.Links,
        p.Shorelines,
        Power = p.Power.Select(d => new { d.Die, d.PeakWatts, d.AreaMm2, d.WattsPerMm2 }),
        Violations = p.Violations.Select(DescribeViolation),
        Warnings = p.Warnings.Select(DescribeViolation),
    };

    /// <summary>A violation or warning as JSON (its kind by name).</summary>
    internal static object DescribeViolation(Violation v) => new { Kind = v.Kind.ToString(), v.Subject, v.Value, v.Limit, v.Unit, v.Message };

    private static void Print(IAnsiConsole console, string system, List<(string Path, Floorplan Plan)> packages)
    {
        console.MarkupLine($"[bold]{Markup.Escape(system)}[/]: {packages.Count} packages, each on its own carrier; " +
            $"{packages.Count(p => p.Plan.Legal)} legal");
        var table = new Table().AddColumns("package", "design", "carrier mm", "area mm²", "legal", "violations", "first violation");
        foreach (var (path, p) in packages)
            table.AddRow(Markup.Escape(path), Markup.Escape(p.Package), $"{p.WidthMm:0.0} × {p.HeightMm:0.0}", $"{p.AreaMm2:0}", p.Legal ? "yes" : "no",
                p.Violations.Length.ToString(), Markup.Escape(p.Violations.FirstOrDefault()?.Message ?? ""));
        console.Write(table);
    }

    private static void Print(IAnsiConsole console, Floorplan p)
    {
        var carrier = p.Packaging == Packaging.Organic2D ? "organic substrate" : "silicon interposer";
        console.MarkupLine($"[bold]{Markup.Escape(p.Package)}[/]: {carrier} {p.WidthMm:0.0} × {p.HeightMm:0.0} mm = {p.AreaMm2:0} mm²");
        var blocks = new Table().AddColumns("block", "kind", "design", "x mm", "y mm", "w × h mm", "area mm²", "peak W/mm²");
        var power = p.Power.ToDictionary(d => d.Die, StringComparer.Ordinal);
        foreach (var b in p.Blocks)
            blocks.AddRow(Markup.Escape(b.Id), b.Kind == BlockKind.Die ? "die" : "memory stack", Markup.Escape(b.Design),
                $"{b.XMm:0.0}", $"{b.YMm:0.0}", $"{b.WidthMm:0.0} × {b.HeightMm:0.0}", $"{b.AreaMm2:0.0}",
                power.TryGetValue(b.Id, out var d) ? $"{d.WattsPerMm2:0.000}" : "");
        console.Write(blocks);
        if (!p.OffPackageMemories.IsEmpty)
            console.MarkupLine($"on the board (not stacked on the carrier): {Markup.Escape(string.Join(", ", p.OffPackageMemories))}");
        if (!p.Links.IsEmpty)
            console.MarkupLine($"links: {p.Links.Length}, longest {p.Links.Max(l => l.LengthMm):0.00} mm (reach {p.Links[0].ReachMm:0.##} mm)");
        if (!p.Shorelines.IsEmpty)
        {
            var busiest = p.Shorelines.MaxBy(s => s.DemandBytesPerSecond / s.CapacityBytesPerSecond)!;
            console.MarkupLine($"busiest die edge: {Markup.Escape(busiest.Die)} {busiest.Side}, {busiest.DemandBytesPerSecond / 1e9:0.#} of {busiest.CapacityBytesPerSecond / 1e9:0.#} GB/s");
        }
        foreach (var w in p.Warnings)
            console.MarkupLine($"[yellow]warning[/]: {Markup.Escape(w.Message)}");
        if (p.Legal)
        {
            console.MarkupLine("[green]legal[/]: every check passes");
            return;
        }
        var violations = new Table().AddColumns("violation", "where", "detail");
        foreach (var v in p.Violations)
            violations.AddRow(v.Kind.ToString(), Markup.Escape(v.Subject), Markup.Escape(v.Message));
        console.MarkupLine($"[red]{p.Violations.Length} violation(s)[/]");
        console.Write(violations);
    }
}
