using System.CommandLine;
using Spectre.Console;
using Tessera.Costs;
using Tessera.Costs.Mapping;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Hardware.Presets;
using Tessera.Interop;
using Tessera.Interop.Stream;
using Tessera.Reports;
using Tessera.Scenarios;
using Tessera.Scoring;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera map MODEL --core CORE`: the best intra-core mapping of every layer, or one layer's loop nest; a MAESTRO
/// mapping file (.m) instead goes to <see cref="MaestroMapCommand"/>.
/// </summary>
internal static class MapCommand
{
    /// <summary>Operators a terminal user waits for without a progress bar.</summary>
    private const int QuietOperatorCount = 8;

    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "A zoo name (see 'tessera models'), an .onnx file, or a MAESTRO mapping file (.m)" };
        var core = new Option<string?>("--core") { Description = "Core preset name, a ZigZag/Stream core YAML file, or a Tessera hardware file (its first core); required unless MODEL is a .m file" };
        var mapping = new Option<string?>("--mapping") { Description = "ZigZag/Stream mapping YAML whose spatial_mapping sets the unrolling per layer type" };
        var offChip = new Option<string?>("--offchip") { Description = $"Off-chip memory for a core file without one: a DRAM type of the technology library or a Stream memory core file (default {HardwarePresets.GenericDram})" };
        var layer = new Option<string?>("--layer") { Description = "Print this layer's mapping: loops per memory level, accesses, footprint, energy" };
        var objective = new Option<string>("--objective") { Description = "What the search minimises: energy, latency or edp", DefaultValueFactory = _ => Objective.Edp.Name };
        var json = new Option<bool>("--json") { Description = "Write JSON (every layer's mapping details) instead of tables" };
        var costModel = new Option<string?>("--cost-model") { Description = $"Operator cost model: {string.Join(", ", CostModels.Names)} (default loopnest; maestro for a .m file)" };
        var dataLocality = new Option<bool>("--data-locality")
        {
            Description = "ZigZag's data-locality rule (its published test values use it): a MAC layer's inputs and outputs stay on chip in the innermost level " +
                "that holds both whole, except outputs that start or end a branch; weights stay when all the model's weights fit. Without it every layer reads " +
                "its operands from and writes its result to the off-chip level",
        };
        costModel.AcceptOnlyFromAmong([.. CostModels.Names]);
        var maestro = new MaestroMapCommand.HardwareOptions();
        var shape = new ModelOptionsBinder();
        var command = new Command("map", "Best intra-core mapping of every layer of a model on one core") { model, core, mapping, offChip, layer, objective, json, costModel, dataLocality };
        foreach (var option in maestro) command.Options.Add(option);
        shape.AddTo(command);
        command.SetAction(parse =>
        {
            if (MaestroMapCommand.IsMappingFile(parse.GetValue(model)!))
                return MaestroMapCommand.Run(context, parse.GetValue(model)!, maestro.Bind(parse, parse.GetValue(costModel), parse.GetValue(json)));
            var technology = TechnologyLibrary.LoadDefault();
            var (request, bits) = shape.Bind(parse, parse.GetValue(model)!);
            var graph = ScenarioLoader.Build(request, bits);
            var coreSpec = parse.GetValue(core) ?? throw new TesseraInputException("--core is required; expected a core preset, a core file or a hardware file");
            var (theCore, theOffChip) = HardwareLoader.LoadCore(coreSpec, parse.GetValue(offChip), technology);
            var layerName = parse.GetValue(layer);
            if (layerName is not null && !graph.Operators.Any(o => o.Name == layerName))
                throw new TesseraInputException($"no layer named '{layerName}' in {graph.Name}; 'tessera inspect {request.Source}' lists them");
            var chosen = parse.GetValue(costModel) ?? CostModels.Default;
            // loopnest-zigzag-imc is the loop-nest search with ZigZag-IMC's latency rule, so it takes the search's options too.
            bool zigZagImc = chosen == ZigZagImcCostModel.ModelName, loopNest = chosen == CostModels.Default || zigZagImc;
            var options = new MappingSearchOptions(Objective.Parse(parse.GetValue(objective)!), ZigZagImcLatency: zigZagImc);
            if (!loopNest && parse.GetResult(objective) is { Implicit: false })
                throw new TesseraInputException($"--objective steers the {CostModels.Default} model's mapping search; cost model {chosen} searches no mapping");
            if (!loopNest && parse.GetValue(dataLocality))
                throw new TesseraInputException($"--data-locality decides where the {CostModels.Default} model's mappings find their operands; cost model {chosen} has no such choice");
            var residency = parse.GetValue(dataLocality) ? Residency.Of(graph) : null;
            var mappingPath = parse.GetValue(mapping);
            bool asJson = parse.GetValue(json);

            IOperatorCostModel operatorModel = loopNest ? new LoopNestCostModel(options) : CostModels.Create(chosen);
            // One model per residency (a handful of flag combinations), so layers of one kind still share searches.
            var byResidency = new Dictionary<Residency, IOperatorCostModel>();
            Func<Operator, IOperatorCostModel>? modelOf = residency is null ? null
                : op => residency.GetValueOrDefault(op.Name) is not { } r ? operatorModel
                    : byResidency.TryGetValue(r, out var m) ? m : byResidency[r] = new LoopNestCostModel(options with { Residency = r });
            var cores = new Dictionary<string, Core>(StringComparer.Ordinal);
            Func<Operator, Core>? coreOf = mappingPath is null ? null
                : op => cores.TryGetValue(op.OpType, out var c) ? c
                    : cores[op.OpType] = theCore with { Dataflow = StreamHardwareImporter.LoadSpatialMapping(mappingPath, op.OpType, theCore.Array.Axes) };
            var result = ProgressBar.Run(context, graph.Operators.Length <= QuietOperatorCount ? ProgressMode.None : ProgressBar.Mode(context, ProgressMode.Auto, asJson), $"mapping {graph.Name}",
                bar => NetworkMapping.Of(graph, theCore, theOffChip, operatorModel, options.Objective, coreOf, modelOf, bar) with { DataLocality = residency is not null });
            if (asJson)
            {
                var layers = layerName is null ? result.Layers : [.. result.Layers.Where(l => l.Name == layerName)];
                JsonOutput.WriteResult(context, result with { Layers = layers }, costModel: operatorModel.Identity);
                return 0;
            }
            if (layerName is null) PrintTable(context.Console, result);
            else PrintLayer(context.Console, result, result.Layers.First(l => l.Name == layerName));
            return 0;
        });
        return command;
    }

    private static void PrintTable(IAnsiConsole console, NetworkMapping result)
    {
        console.MarkupLine($"[bold]{Markup.Escape(result.Model)}[/] on [bold]{Markup.Escape(result.Core)}[/] " +
            $"(off-chip {Markup.Escape(result.OffChip)}, objective {result.Objective.ToString().ToLowerInvariant()}" +
            (result.DataLocality ? ", activations kept on chip where they fit)" : ")"));
        var table = new Table().AddColumns("layer", "type", "MACs", "spatial util.", "util.", "cycles", "energy", "bound by");
        foreach (var r in result.Layers)
            table.AddRow(Markup.Escape(r.Name), Markup.Escape(r.Type), NumberFormat.Count(r.Macs), r.Macs > 0 ? $"{r.SpatialUtilisation:P1}" : "-",
                r.Cost.Cycles > 0 ? $"{r.Cost.Utilisation:P1}" : "-", NumberFormat.Count(r.Cost.Cycles), NumberFormat.Si(r.Cost.Energy.TotalPj * 1e-12, "J"),
                Markup.Escape(r.Cost.BoundBy));
        double macsPerCycle = result.TotalCycles > 0 ? result.TotalMacs / result.TotalCycles : 0;
        table.AddRow("[bold]total[/]", "", $"[bold]{NumberFormat.Count(result.TotalMacs)}[/]", "", "", $"[bold]{NumberFormat.Count(result.TotalCycles)}[/]",
            $"[bold]{NumberFormat.Si(result.TotalEnergyPj * 1e-12, "J")}[/]", "");
        console.Write(table);
        console.MarkupLine($"{NumberFormat.Count(result.TotalCycles)} cycles = {NumberFormat.Si(result.TotalCycles / result.FrequencyHz, "s")} at " +
            $"{NumberFormat.Si(result.FrequencyHz, "Hz")}; {NumberFormat.Si(result.TotalEnergyPj * 1e-12, "J")}; {macsPerCycle:0.#} MACs per cycle overall; " +
            $"MAC layers use the {result.ProcessingElements} PEs {result.MacUtilisation:P1} of their time");
    }

    private static void PrintLayer(IAnsiConsole console, NetworkMapping result, LayerCost row)
    {
        var cost = row.Cost;
        console.MarkupLine($"[bold]{Markup.Escape(row.Name)}[/] ({Markup.Escape(row.Type)}) on [bold]{Markup.Escape(result.Core)}[/]: " +
            $"{NumberFormat.Count(row.Macs)} MACs, {NumberFormat.Count(cost.Cycles)} cycles, {NumberFormat.Si(cost.Energy.TotalPj * 1e-12, "J")}, bound by {Markup.Escape(cost.BoundBy)}");
        if (cost.Details is not { } d)
        {
            console.MarkupLine("vector/data-movement operator: no loop nest to map");
            return;
        }
        var roles = d.Temporal.Allocations.Select(a => a.Operand).ToList();
        var loops = new Table().AddColumn("loop (outermost at the top)");
        foreach (var role in roles) loops.AddColumn($"{RoleLabel(role)} level");
        for (int i = d.Temporal.Loops.Length - 1; i >= 0; i--)
        {
            var loop = d.Temporal.Loops[i];
            var cells = new List<string> { Markup.Escape($"for {loop.Dimension} in [0, {loop.Factor})") };
            foreach (var a in d.Temporal.Allocations)
                cells.Add(Markup.Escape(a.Levels[Enumerable.Range(0, a.Levels.Length).First(j => i < a.LoopsBelow[j])]));
            loops.AddRow([.. cells]);
        }
        foreach (var f in d.Spatial.Factors.Where(f => f.Factor > 1 || f.Requested > 1))
            loops.AddRow([Markup.Escape($"parfor {f.Dimension} in [0, {f.Factor}) on {f.Axis}" + (f.Factor < f.Requested ? $" (of {f.Requested})" : "")),
                .. roles.Select(_ => "PE array")]);
        console.MarkupLine($"temporal mapping ({d.MappingsEvaluated} mappings evaluated{(d.Exhaustive ? ", every ordering" : "")}); spatial utilisation {d.Spatial.Utilisation:P1}");
        console.Write(loops);

        var accesses = new Table().AddColumns("level", "operand", "reads", "writes", "read bits", "write bits", "energy");
        foreach (var a in d.Accesses)
            accesses.AddRow(Markup.Escape(a.Level), RoleLabel(a.Operand), NumberFormat.Count(a.Reads), NumberFormat.Count(a.Writes),
                NumberFormat.Count(a.ReadBits), NumberFormat.Count(a.WriteBits), NumberFormat.Si(a.EnergyPj * 1e-12, "J"));
        console.Write(accesses);

        var footprint = new Table().AddColumns("level", "instances", "footprint per instance", "capacity", "used", "double-buffered");
        foreach (var f in d.Footprints)
            footprint.AddRow(Markup.Escape(f.Level), f.Instances.ToString(), NumberFormat.Bytes(f.Bits / 8), NumberFormat.Bytes(f.CapacityBits / 8.0),
                $"{f.Bits / f.CapacityBits:P1}", f.DoubleBuffered ? "yes" : "no");
        console.Write(footprint);

        var ports = new Table().AddColumns("port", "stall (+) / slack (−) cycles");
        foreach (var port in d.Latency.Ports)
            ports.AddRow(Markup.Escape($"{port.Level}.{port.Port}"), NumberFormat.Count(port.StallCycles));
        console.Write(ports);

        var e = cost.Energy;
        var energy = new Table().AddColumns("energy", "J", "share");
        var rows = new List<(string, double)> { (d.Imc is null ? "compute (MACs)" : "compute (IMC macro)", e.ComputePj) };
        if (d.Imc is { } imc)
            rows.AddRange([("  DACs", imc.DacPj), ("  ADCs", imc.AdcPj), ("  1-bit multipliers", imc.MultiplierPj), ("  bitlines", imc.BitlinePj),
                ("  adder trees", imc.AdderTreePj), ("  place-value adders", imc.PlaceValuePj), ("  accumulators", imc.AccumulatorPj)]);
        rows.AddRange([("on-chip memory", e.OnChipMemoryPj), ("off-chip memory", e.OffChipMemoryPj)]);
        foreach (var (name, pj) in rows)
            energy.AddRow(name, NumberFormat.Si(pj * 1e-12, "J"), e.TotalPj > 0 ? $"{pj / e.TotalPj:P1}" : "-");
        console.Write(energy);
        var t = d.Latency;
        var latency = new Table().AddColumns("latency term", "cycles");
        latency.AddRow(d.Imc is null ? "ideal (MACs ÷ PEs)" : "ideal (MACs ÷ PEs × bit-serial input cycles)", NumberFormat.Count(t.IdealCycles));
        latency.AddRow("+ idle PEs of the spatial unrolling", NumberFormat.Count(t.SpatialIdleCycles));
        latency.AddRow("= ideal temporal cycles", NumberFormat.Count(t.TemporalCycles));
        latency.AddRow(Markup.Escape($"+ stall of the worst port{(t.StallPort.Length > 0 ? $" ({t.StallPort})" : "")}"), NumberFormat.Count(t.StallCycles));
        latency.AddRow("+ on-loading of the first input tiles", NumberFormat.Count(t.OnloadCycles));
        latency.AddRow("+ off-loading of the last output tile", NumberFormat.Count(t.OffloadCycles));
        latency.AddRow("[bold]= total[/]", $"[bold]{NumberFormat.Count(cost.Cycles)}[/]");
        console.Write(latency);
    }

    private static string RoleLabel(OperandRole role) => role switch
    {
        OperandRole.Input => "I (input)",
        OperandRole.Weight => "W (weight)",
        _ => "O (output)",
    };
}
