using System.CommandLine;
using Spectre.Console;
using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Interop;
using Tessera.Technology;

namespace Tessera.Cli.Commands;

/// <summary>`tessera cost HARDWARE`: die, packaging, memory and NRE cost of one package, or of every package of a system.</summary>
internal static class CostCommand
{
    public static Command Create(CliContext context)
    {
        var target = new Argument<string>("hardware") { Description = "A preset name or a hardware YAML file" };
        var volume = new Option<long?>("--volume") { Description = "Units built per product (default: the library's, 1 M)" }.AtLeast(1);
        var sharing = new Option<int>("--products-sharing") { Description = "Products that reuse these chiplet designs (their NRE is split)", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var packaging = new Option<string>("--packaging") { Description = "2d (organic substrate) or 2.5d (silicon interposer)", DefaultValueFactory = _ => "2.5d" };
        var nre = new Option<string>("--nre") { Description = "NRE model: mozart (default) or actuary (Chiplet Actuary)", DefaultValueFactory = _ => "mozart" };
        var profile = new Option<string>("--profile")
        {
            Description = $"Cost profile for dies and packaging: {string.Join(" or ", CostProfile.All.Select(p => p.Name))} (default {CostProfile.Default.Name})",
            DefaultValueFactory = _ => CostProfile.Default.Name,
        };
        var json = new Option<bool>("--json") { Description = "Write JSON instead of tables" };
        var command = new Command("cost", "Manufacturing and NRE cost of a package") { target, volume, sharing, packaging, nre, profile, json };
        command.SetAction(parse =>
        {
            var technology = TechnologyLibrary.LoadDefault();
            var costProfile = CostProfile.Parse(parse.GetValue(profile)!);
            var hardware = parse.GetValue(target)!;
            var system = HardwareLoader.LoadSystem(hardware, technology);
            var defaults = CostOptions.Default(technology, ParsePackaging(parse.GetValue(packaging)!));
            var options = defaults with
            {
                Volume = parse.GetValue(volume) ?? defaults.Volume,
                ProductsSharing = parse.GetValue(sharing),
                Nre = ParseNre(parse.GetValue(nre)!),
                Profile = costProfile,
            };
            if (system.Package is not { } package)
            {
                var systemCost = CostModel.Evaluate(technology, system, options);
                if (parse.GetValue(json)) JsonOutput.WriteResult(context, Describe(systemCost));
                else Print(context.Console, systemCost);
                return 0;
            }
            var cost = CostModel.Evaluate(technology, package, options);
            if (parse.GetValue(json)) JsonOutput.WriteResult(context, Describe(cost));
            else Print(context.Console, cost);
            return 0;
        });
        return command;
    }

    internal static Packaging ParsePackaging(string text) => text.Trim().ToLowerInvariant() switch
    {
        "2d" => Packaging.Organic2D,
        "2.5d" or "25d" => Packaging.Interposer25D,
        _ => throw new TesseraInputException($"unknown packaging '{text}'; expected 2d or 2.5d"),
    };

    private static NreModel ParseNre(string text) => text.Trim().ToLowerInvariant() switch
    {
        "mozart" => NreModel.Mozart,
        "actuary" or "chiplet-actuary" => NreModel.ChipletActuary,
        _ => throw new TesseraInputException($"unknown NRE model '{text}'; expected mozart or actuary"),
    };

    private static object Describe(PackageCost c) => new
    {
        c.Package,
        Packaging = c.Options.Packaging == Packaging.Organic2D ? "2d" : "2.5d",
        c.Options.Volume,
        c.Options.ProductsSharing,
        NreModel = c.Options.Nre,
        Profile = c.Options.Profile.Name,
        Chiplets = c.Chiplets.Select(k => new
        {
            k.Design, k.Node, k.Instances, AreaMm2 = k.Area.TotalMm2, Area = k.Area, k.Die.DiesPerWafer, k.Die.Yield,
            CostPerGoodDieUsd = k.Die.CostPerGoodDieUsd, k.DiesUsd, NreUsd = k.Nre.TotalUsd, Nre = k.Nre,
        }),
        PackagingCost = c.Packaging,
        Memories = c.Memories.Select(m => new { m.Device, m.Type, m.CapacityGb, m.CostPerGbUsd, m.Usd }),
        c.DiesUsd, c.PackagingUsd, c.YieldLossUsd, c.MemoryUsd, c.UnitCostUsd,
        c.ProductNreUsd, c.NreUsd, c.NrePerUnitUsd, c.TotalUsd,
    };

    private static object Describe(SystemCost c) => new
    {
        c.System,
        Packages = c.Packages.Select(p => new { p.Path, Cost = Describe(p.Cost) }),
        c.UnitCostUsd, c.DesignNreUsd, c.ProductNreUsd, c.NrePerUnitUsd, c.TotalUsd,
    };

    private static void Print(IAnsiConsole console, SystemCost c)
    {
        var o = c.Options;
        console.MarkupLine($"[bold]{Markup.Escape(c.System)}[/]: {c.Packages.Length} packages, each built and priced on its own; cost profile {o.Profile.Name}, " +
            $"{o.Volume:N0} systems, NRE model {o.Nre}; board and off-package PHYs not priced");
        var packages = new Table().AddColumns("package", "design", "chiplets", "dies $", "packaging $", "yield loss $", "memory $", "unit cost $");
        foreach (var (path, p) in c.Packages)
            packages.AddRow(Markup.Escape(path), Markup.Escape(p.Package), p.Chiplets.Sum(k => k.Instances).ToString(), $"{p.DiesUsd:0.00}", $"{p.PackagingUsd:0.00}",
                $"{p.YieldLossUsd:0.00}", $"{p.MemoryUsd:0.00}", $"{p.UnitCostUsd:0.00}");
        console.Write(packages);
        var total = new Table().AddColumns("part", "$ per system");
        total.AddRow("unit cost (every package)", $"{c.UnitCostUsd:0.00}");
        total.AddRow($"NRE per unit (designs ${c.DesignNreUsd / 1e6:0.00} M + package designs ${c.ProductNreUsd / 1e6:0.00} M, over {o.Volume:N0})", $"{c.NrePerUnitUsd:0.00}");
        total.AddRow("[bold]total[/]", $"[bold]{c.TotalUsd:0.00}[/]");
        console.Write(total);
    }

    private static void Print(IAnsiConsole console, PackageCost c)
    {
        var kind = c.Options.Packaging == Packaging.Organic2D ? "2D organic substrate" : "2.5D silicon interposer";
        console.MarkupLine($"[bold]{Markup.Escape(c.Package)}[/]: {kind}, cost profile {c.Options.Profile.Name}, {c.Options.Volume:N0} units, design NRE shared by {c.Options.ProductsSharing} product(s), NRE model {c.Options.Nre}");
        var dies = new Table().AddColumns("design", "node", "instances", "area mm²", "(logic+SRAM, PHYs)", "dies/wafer", "yield", "$/good die", "$ in package", "NRE $M");
        foreach (var k in c.Chiplets)
            dies.AddRow(Markup.Escape(k.Design), k.Node, k.Instances.ToString(), $"{k.Area.TotalMm2:0.00}",
                k.Area.StatedMm2 is null
                    ? $"{k.Area.PeArraysMm2 + k.Area.SramMm2 + k.Area.VectorUnitsMm2 + k.Area.OverheadMm2:0.00}, {k.Area.MemoryInterfacesMm2 + k.Area.DieToDiePhysMm2:0.00} ({k.Area.MemoryInterfaces} DRAM, {k.Area.DieToDieLinks} D2D)"
                    : $"stated (estimate {k.Area.EstimatedMm2:0.00})",
                k.Die.DiesPerWafer.ToString(), $"{k.Die.Yield:0.0000}", $"{k.Die.CostPerGoodDieUsd:0.00}", $"{k.DiesUsd:0.00}", $"{k.Nre.TotalUsd / 1e6:0.00}");
        console.Write(dies);
        var p = c.Packaging;
        var parts = new List<string>();
        if (p.SubstrateAreaMm2 > 0) parts.Add($"substrate {p.SubstrateAreaMm2:0.0} mm² ${p.SubstrateUsd:0.00}");
        if (p.InterposerAreaMm2 > 0)
            parts.Add($"interposer {p.InterposerAreaMm2:0.0} mm² ${p.InterposerUsd:0.00}" + (p.InterposerYield < 1 ? $" (yield {p.InterposerYield:0.0000})" : ""));
        parts.Add($"assembly ${p.AssemblyUsd:0.00}");
        if (p.AssemblyMachineUsd > 0) parts.Add($"machine time ${p.AssemblyMachineUsd:0.00}");
        console.MarkupLine($"packaging: {string.Join(", ", parts)}; package yield {p.PackageYield:0.0000}");
        var total = new Table().AddColumns("part", "$ per unit");
        total.AddRow("known-good dies", $"{c.DiesUsd:0.00}");
        total.AddRow("packaging", $"{c.PackagingUsd:0.00}");
        total.AddRow("assembly yield loss (scrapped dies + packaging)", $"{c.YieldLossUsd:0.00}");
        total.AddRow($"memory ({c.Memories.Length} modules, {c.Memories.Sum(m => m.CapacityGb):0.#} GB)", $"{c.MemoryUsd:0.00}");
        total.AddRow("unit cost", $"{c.UnitCostUsd:0.00}");
        total.AddRow($"NRE per unit (designs ${c.Chiplets.Sum(k => k.Nre.TotalUsd) / 1e6:0.00} M / {c.Options.ProductsSharing} + product ${c.ProductNreUsd / 1e6:0.00} M, over {c.Options.Volume:N0})", $"{c.NrePerUnitUsd:0.00}");
        total.AddRow("[bold]total[/]", $"[bold]{c.TotalUsd:0.00}[/]");
        console.Write(total);
    }
}
