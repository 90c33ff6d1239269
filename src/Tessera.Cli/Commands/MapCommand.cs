using Tessera.Scoring;
using System.CommandLine;
using Spectre.Console;
using Tessera.Costs;
using Tessera.Costs.Mapping;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Interop.Stream;
using Tessera.Scenarios;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Interop;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera map MODEL --core CORE`: the best intra-core mapping of every layer, or one layer's loop nest; a MAESTRO
/// mapping file (.m) instead goes to <see cref="MaestroMapCommand"/>.
/// </summary>
internal static class MapCommand
{
    /// <summary>Off-chip memory for core files that bring none: one LPDDR5 device, as the single-core presets use.</summary>
    private const string DefaultDram = "LPDDR5";

    /// <summary>Operators a terminal user waits for without a progress bar.</summary>
    private const int QuietOperatorCount = 8;

    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "A zoo name (see 'tessera models'), an .onnx file, or a MAESTRO mapping file (.m)" };
        var core = new Option<string?>("--core") { Description = "Core preset name, a ZigZag/Stream core YAML file, or a Tessera hardware file (its first core); required unless MODEL is a .m file" };
        var mapping = new Option<string?>("--mapping") { Description = "ZigZag/Stream mapping YAML whose spatial_mapping sets the unrolling per layer type" };
        var offChip = new Option<string?>("--offchip") { Description = $"Off-chip memory for a core file without one: a DRAM type of the technology library or a Stream memory core file (default {DefaultDram})" };
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
            var (theCore, theOffChip) = ResolveCore(coreSpec, parse.GetValue(offChip), technology);
            var layerName = parse.GetValue(layer);
            if (layerName is not null && !graph.Operators.Any(o => o.Name == layerName))
                throw new TesseraInputException($"no layer named '{layerName}' in {graph.Name}; 'tessera inspect {request.Source}' lists them");
            var options = new MappingSearchOptions(Objective.Parse(parse.GetValue(objective)!));
            var chosen = parse.GetValue(costModel) ?? CostModels.Default;
            if (chosen != CostModels.Default && parse.GetResult(objective) is { Implicit: false })
                throw new TesseraInputException($"--objective steers the {CostModels.Default} model's mapping search; cost model {chosen} searches no mapping");
            if (chosen != CostModels.Default && parse.GetValue(dataLocality))
                throw new TesseraInputException($"--data-locality decides where the {CostModels.Default} model's mappings find their operands; cost model {chosen} has no such choice");
            var residency = parse.GetValue(dataLocality) ? Residency.Of(graph) : null;
            var mappingPath = parse.GetValue(mapping);
            bool asJson = parse.GetValue(json);

            var rows = new List<LayerRow>();
            void MapAll(Action? step)
            {
                var operatorModel = chosen == CostModels.Default ? new LoopNestCostModel(options) : CostModels.Create(chosen);
                // One model per residency (a handful of flag combinations), so layers of one kind still share searches.
                var byResidency = new Dictionary<Residency, IOperatorCostModel>();
                IOperatorCostModel ModelFor(Operator op) => residency?.GetValueOrDefault(op.Name) is not { } r ? operatorModel
                    : byResidency.TryGetValue(r, out var m) ? m : byResidency[r] = new LoopNestCostModel(options with { Residency = r });
                var cores = new Dictionary<string, Core>(StringComparer.Ordinal);
                foreach (var op in graph.Operators)
                {
                    var opCore = mappingPath is null ? theCore
                        : cores.TryGetValue(op.OpType, out var c) ? c
                        : cores[op.OpType] = theCore with { Dataflow = StreamHardwareImporter.LoadSpatialMapping(mappingPath, op.OpType, theCore.Array.Axes) };
                    OperatorCost cost;
                    try { cost = ModelFor(op).Evaluate(graph, op, opCore, theOffChip); }
                    catch (TesseraInputException e) { throw new TesseraInputException($"layer {op.Name} ({op.OpType}): {e.Message}"); }
                    rows.Add(new LayerRow(op.Name, op.OpType, op is ComputeOperator co ? co.Nest.Macs : 0, cost));
                    step?.Invoke();
                }
            }
            if (graph.Operators.Length > QuietOperatorCount)
                ProgressBar.Run(context, asJson, $"mapping {graph.Name}", bar =>
                {
                    int done = 0;
                    MapAll(() => bar?.Report(++done / (double)graph.Operators.Length));
                    return 0;
                });
            else
                MapAll(null);

            long pes = theCore.Array.ProcessingElements;
            double macCycles = rows.Where(r => r.Macs > 0).Sum(r => r.Cost.Cycles);
            var result = new MapResult(graph.Name, theCore.Name, theOffChip.Name, options.Objective, residency is not null, theCore.FrequencyHz, pes, [.. rows],
                rows.Sum(r => r.Macs), rows.Sum(r => r.Cost.Cycles), rows.Sum(r => r.Cost.Energy.TotalPj),
                macCycles > 0 ? rows.Sum(r => r.Macs) / (macCycles * pes) : 0);
            if (asJson)
            {
                var layers = layerName is null ? result.Layers : [.. result.Layers.Where(l => l.Name == layerName)];
                JsonOutput.Write(context.Out, result with { Layers = layers });
                return 0;
            }
            if (layerName is null) PrintTable(context.Console, result);
            else PrintLayer(context.Console, result, result.Layers.First(l => l.Name == layerName));
            return 0;
        });
        return command;
    }

    internal sealed record LayerRow(string Name, string Type, long Macs, OperatorCost Cost)
    {
        public double SpatialUtilisation => Cost.Details?.Spatial.Utilisation ?? Cost.Utilisation;
    }

    /// <summary>Totals over all layers; <see cref="MacUtilisation"/> is MACs ÷ (PEs × cycles of the MAC layers).</summary>
    internal sealed record MapResult(string Model, string Core, string OffChip, Objective Objective, bool DataLocality, double FrequencyHz,
        long ProcessingElements, IReadOnlyList<LayerRow> Layers, long TotalMacs, double TotalCycles, double TotalEnergyPj, double MacUtilisation);

    /// <summary>A core (see <see cref="HardwareLoader.LoadCore"/>) with --offchip, its own off-chip level, or the default DRAM.</summary>
    internal static (Core Core, MemoryLevel OffChip) ResolveCore(string spec, string? offChipSpec, TechnologyLibrary technology)
    {
        var (core, offChip) = HardwareLoader.LoadCore(spec, technology);
        return (core, offChipSpec is not null ? OffChipFrom(offChipSpec, core, technology) : offChip ?? OffChipFrom(DefaultDram, core, technology));
    }

    private static bool IsYaml(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    private static MemoryLevel OffChipFrom(string spec, Core core, TechnologyLibrary technology)
    {
        if (IsYaml(spec))
            return StreamHardwareImporter.LoadCore(spec, technology).OffChip
                ?? throw new TesseraInputException($"{spec} has no off-chip level; expected a memory core or a core whose outermost level is DRAM");
        if (!technology.DramTypes.Contains(spec))
            throw new TesseraInputException($"unknown off-chip memory '{spec}'; expected a .yaml file or one of {string.Join(", ", technology.DramTypes)}");
        var device = HardwareDefaults.Device(technology, "dram", spec);
        return CostModelExtensions.OffChipLevel(device, device.BandwidthBytesPerSecond, device.EnergyPerBitPj, core.FrequencyHz);
    }

    private static void PrintTable(IAnsiConsole console, MapResult result)
    {
        console.MarkupLine($"[bold]{Markup.Escape(result.Model)}[/] on [bold]{Markup.Escape(result.Core)}[/] " +
            $"(off-chip {Markup.Escape(result.OffChip)}, objective {result.Objective.ToString().ToLowerInvariant()}" +
            (result.DataLocality ? ", activations kept on chip where they fit)" : ")"));
        var table = new Table().AddColumns("layer", "type", "MACs", "spatial util.", "util.", "cycles", "energy", "bound by");
        foreach (var r in result.Layers)
            table.AddRow(Markup.Escape(r.Name), Markup.Escape(r.Type), Units.Count(r.Macs), r.Macs > 0 ? $"{r.SpatialUtilisation:P1}" : "-",
                r.Cost.Cycles > 0 ? $"{r.Cost.Utilisation:P1}" : "-", Units.Count(r.Cost.Cycles), Units.Si(r.Cost.Energy.TotalPj * 1e-12, "J"),
                Markup.Escape(r.Cost.BoundBy));
        double macsPerCycle = result.TotalCycles > 0 ? result.TotalMacs / result.TotalCycles : 0;
        table.AddRow("[bold]total[/]", "", $"[bold]{Units.Count(result.TotalMacs)}[/]", "", "", $"[bold]{Units.Count(result.TotalCycles)}[/]",
            $"[bold]{Units.Si(result.TotalEnergyPj * 1e-12, "J")}[/]", "");
        console.Write(table);
        console.MarkupLine($"{Units.Count(result.TotalCycles)} cycles = {Units.Si(result.TotalCycles / result.FrequencyHz, "s")} at " +
            $"{Units.Si(result.FrequencyHz, "Hz")}; {Units.Si(result.TotalEnergyPj * 1e-12, "J")}; {macsPerCycle:0.#} MACs per cycle overall; " +
            $"MAC layers use the {result.ProcessingElements} PEs {result.MacUtilisation:P1} of their time");
    }

    private static void PrintLayer(IAnsiConsole console, MapResult result, LayerRow row)
    {
        var cost = row.Cost;
        console.MarkupLine($"[bold]{Markup.Escape(row.Name)}[/] ({Markup.Escape(row.Type)}) on [bold]{Markup.Escape(result.Core)}[/]: " +
            $"{Units.Count(row.Macs)} MACs, {Units.Count(cost.Cycles)} cycles, {Units.Si(cost.Energy.TotalPj * 1e-12, "J")}, bound by {Markup.Escape(cost.BoundBy)}");
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
            accesses.AddRow(Markup.Escape(a.Level), RoleLabel(a.Operand), Units.Count(a.Reads), Units.Count(a.Writes),
                Units.Count(a.ReadBits), Units.Count(a.WriteBits), Units.Si(a.EnergyPj * 1e-12, "J"));
        console.Write(accesses);

        var footprint = new Table().AddColumns("level", "instances", "footprint per instance", "capacity", "used", "double-buffered");
        foreach (var f in d.Footprints)
            footprint.AddRow(Markup.Escape(f.Level), f.Instances.ToString(), Units.Bytes(f.Bits / 8), Units.Bytes(f.CapacityBits / 8.0),
                $"{f.Bits / f.CapacityBits:P1}", f.DoubleBuffered ? "yes" : "no");
        console.Write(footprint);

        var ports = new Table().AddColumns("port", "stall (+) / slack (−) cycles");
        foreach (var port in d.Latency.Ports)
            ports.AddRow(Markup.Escape($"{port.Level}.{port.Port}"), Units.Count(port.StallCycles));
        console.Write(ports);

        var e = cost.Energy;
        var energy = new Table().AddColumns("energy", "J", "share");
        foreach (var (name, pj) in new[] { ("compute (MACs)", e.ComputePj), ("on-chip memory", e.OnChipMemoryPj), ("off-chip memory", e.OffChipMemoryPj) })
            energy.AddRow(name, Units.Si(pj * 1e-12, "J"), e.TotalPj > 0 ? $"{pj / e.TotalPj:P1}" : "-");
        console.Write(energy);
        var t = d.Latency;
        var latency = new Table().AddColumns("latency term", "cycles");
        latency.AddRow("ideal (MACs ÷ PEs)", Units.Count(t.IdealCycles));
        latency.AddRow("+ idle PEs of the spatial unrolling", Units.Count(t.SpatialIdleCycles));
        latency.AddRow("= ideal temporal cycles", Units.Count(t.TemporalCycles));
        latency.AddRow(Markup.Escape($"+ stall of the worst port{(t.StallPort.Length > 0 ? $" ({t.StallPort})" : "")}"), Units.Count(t.StallCycles));
        latency.AddRow("+ on-loading of the first input tiles", Units.Count(t.OnloadCycles));
        latency.AddRow("+ off-loading of the last output tile", Units.Count(t.OffloadCycles));
        latency.AddRow("[bold]= total[/]", $"[bold]{Units.Count(cost.Cycles)}[/]");
        console.Write(latency);
    }

    private static string RoleLabel(OperandRole role) => role switch
    {
        OperandRole.Input => "I (input)",
        OperandRole.Weight => "W (weight)",
        _ => "O (output)",
    };
}
