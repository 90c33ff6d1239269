using System.Collections.Immutable;
using System.CommandLine;
using Spectre.Console;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Hardware.Stream;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads.Tiling;

namespace Tessera.Cli.Commands;

/// <summary>`tessera run [scenario.yaml]`: evaluate a scenario (the built-in default without arguments).</summary>
internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var scenarioPath = new Argument<string?>("scenario") { Arity = ArgumentArity.ZeroOrOne, Description = "Scenario YAML file; the built-in default when omitted" };
        var hardware = new Option<string?>("--hardware") { Description = "Hardware preset or file, replacing the scenario's" };
        var json = new Option<bool>("--json") { Description = "Write JSON (with every operator's placement) instead of tables" };
        var costModel = new Option<string>("--cost-model")
        {
            Description = "Operator cost model: loopnest (searched intra-core mapping) or roofline (perfect-reuse bound)",
            DefaultValueFactory = _ => LoopNest,
        };
        costModel.AcceptOnlyFromAmong(LoopNest, Roofline);
        var partition = new Option<string?>("--partition") { Description = "How to split the models into tasks: lbl (default), fused, pipelined, tp" };
        var tile = new Option<string?>("--tile") { Description = "Fused tiling of every operator, Stream's form: \"OY, all\" or \"OY, 4; K, 2\" (default \"OY, all; D, 8\")" };
        var workload = new Option<string?>("--workload") { Description = "Run this one model (an .onnx file or a zoo name) instead of the scenario's models" };
        var mapping = new Option<string?>("--mapping") { Description = "Stream mapping file (needs Stream --hardware): its tilings and core allocations decide the partition" };
        var trace = new Option<string?>("--trace") { Description = "Write the simulated schedule as Chrome/Perfetto trace JSON to this file" };
        var noContention = new Option<bool>("--no-contention") { Description = "Give every core, link and DRAM device infinite parallelism (the dependency-only schedule)" };
        var miniBatches = new Option<int?>("--minibatch") { Description = "Mini-batches each model's batch is split into (pipelined)" };
        var ways = new Option<int?>("--tp") { Description = "Cores each layer is split over (tp)" };
        var command = new Command("run", "Evaluate a scenario: models on hardware → latency, energy, EDP")
            { scenarioPath, hardware, json, partition, tile, workload, mapping, trace, noContention, miniBatches, ways, costModel };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(scenarioPath);
            var scenario = path is null ? Scenario.Default : ScenarioLoader.Load(path);
            if (parse.GetValue(hardware) is { } h) scenario = scenario with { Hardware = h };
            if (parse.GetValue(workload) is { } w)
                scenario = scenario with { Name = path is null ? Path.GetFileNameWithoutExtension(w) : scenario.Name, Models = [new ModelRequest(w)] };
            if (parse.GetValue(tile) is { } t) scenario = scenario with { Tiling = t };
            if (parse.GetValue(mapping) is { } mp) scenario = scenario with { Mapping = mp };
            if (parse.GetValue(partition) is { } p) scenario = scenario with { Partition = Partitioners.ParseMode(p) };
            if (parse.GetValue(miniBatches) is { } mb) scenario = scenario with { MiniBatches = mb };
            if (parse.GetValue(ways) is { } tp) scenario = scenario with { TensorParallelWays = tp };
            var model = parse.GetValue(costModel) == Roofline ? (IOperatorCostModel)new RooflineCostModel() : new LoopNestCostModel();
            bool contention = !parse.GetValue(noContention);
            // Mapping search takes seconds on large scenarios: show that work is under way on a terminal.
            bool terminal = !parse.GetValue(json) && !Console.IsOutputRedirected && context.Out == Console.Out;
            var simulation = terminal
                ? AnsiConsole.Status().Start($"Evaluating {scenario.Name}…", _ => Simulate(scenario, model, contention))
                : Simulate(scenario, model, contention);
            if (parse.GetValue(trace) is { } file)
            {
                try { TraceWriter.Write(file, simulation); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new TesseraInputException($"{file}: cannot write the trace ({e.Message})");
                }
            }
            if (parse.GetValue(json))
                JsonOutput.Write(context.Out, simulation.Evaluation);
            else
                Print(context.Console, simulation.Evaluation);
            return 0;
        });
        return command;
    }

    private const string LoopNest = "loopnest";
    private const string Roofline = "roofline";

    /// <summary>Partitions the scenario as it asks and simulates it (with the loop-nest cost model unless given another).</summary>
    public static SimulationResult Simulate(Scenario scenario, IOperatorCostModel? costModel = null, bool contention = true)
    {
        var technology = TechnologyLibrary.LoadDefault();
        var package = HardwareLoader.Load(scenario.Hardware, technology);
        var models = ScenarioLoader.BuildModels(scenario);
        costModel ??= new LoopNestCostModel();
        var options = new PartitionOptions(scenario.Partition, scenario.MiniBatches, scenario.TensorParallelWays,
            Tiling: scenario.Tiling is { } text ? ParseTiling(text) : null);
        var notes = ImmutableArray<string>.Empty;
        if (scenario.Mapping is { } mappingPath)
            (options, notes) = WithMapping(options, scenario, package, models, mappingPath);
        var graph = Partitioners.Create(options, costModel).Partition(package, models);
        var result = new Simulator(costModel).Simulate(scenario.Name, package, graph, new SimulationOptions(contention));
        return notes.IsEmpty ? result : result with { Evaluation = result.Evaluation with { Notes = notes } };
    }

    /// <summary>"OY, all; K, 4" → the cuts in order.</summary>
    public static TilingSpec ParseTiling(string text) =>
        TilingSpec.Parse(text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>
    /// A Stream mapping decides the partition: layer by layer on the allowed cores when it tiles no operator,
    /// fused with its tilings and allocations otherwise. Where it leaves a choice (several allowed cores and no
    /// inter-core split) the greedy earliest-finish core is used until the allocation search lands; a note says so.
    /// </summary>
    private static (PartitionOptions, ImmutableArray<string>) WithMapping(PartitionOptions options, Scenario scenario, Package package,
        IReadOnlyList<ModelInstance> models, string mappingPath)
    {
        if (!HardwareLoader.IsStreamAccelerator(scenario.Hardware))
            throw new TesseraInputException($"--mapping {mappingPath} needs a Stream accelerator file as --hardware (got '{scenario.Hardware}')");
        var mapping = StreamMapping.Load(mappingPath, package);
        bool whole = models.All(m => m.Graph.Operators.All(op => mapping.Tiling(m.Graph, op).Splits.IsEmpty));
        var mode = whole ? PartitionMode.LayerByLayer : PartitionMode.Fused;
        int free = models.Sum(m =>
        {
            var tiled = mapping.Tile(m.Graph);
            return m.Graph.Operators.Count(op => tiled.TilesOf(op.Name).Any(t => mapping.CoreOf(m.Graph, t) is null));
        });
        var notes = ImmutableArray.Create($"mapping {Path.GetFileName(mappingPath)}: partition {Partitioners.Spelling(mode)}" +
            (whole ? " (no operator is tiled)" : " with the mapping's tilings"));
        if (free > 0)
            notes = notes.Add($"allocation: {free} operator(s) may run on several cores without an inter-core split; each runs on the " +
                "core where it finishes first (greedy earliest-finish among its allowed cores) — a fixed rule until the allocation search lands");
        return (options with { Mode = mode, Mapping = mapping, Tiling = null }, notes);
    }

    private static void Print(IAnsiConsole console, EvaluationResult result)
    {
        console.MarkupLine($"[bold]{Markup.Escape(result.Scenario)}[/] on [bold]{Markup.Escape(result.Hardware)}[/] " +
            $"({Markup.Escape(result.Partition)}, {Markup.Escape(result.CostModel)}, {result.Tasks} tasks, contention {(result.Contention ? "on" : "off")})");
        var models = new Table().AddColumns("model", "batch", "MACs", "latency", "throughput", "energy", "EDP");
        foreach (var m in result.Models)
            models.AddRow(Markup.Escape(m.Model), m.MiniBatches > 1 ? $"{m.Batch} ({m.MiniBatches} mini-batches)" : m.Batch.ToString(),
                Units.Count(m.Macs), Units.Si(m.LatencySeconds, "s"), $"{Units.Count(m.ThroughputPerSecond)}/s",
                Units.Si(m.Energy.TotalJ, "J"), Units.Si(m.Edp, "J·s"));
        models.AddRow("[bold]scenario[/]", "", Units.Count(result.Models.Sum(m => m.Macs)), $"[bold]{Units.Si(result.LatencySeconds, "s")}[/]", "",
            $"[bold]{Units.Si(result.Energy.TotalJ, "J")}[/]", $"[bold]{Units.Si(result.Edp, "J·s")}[/]");
        console.Write(models);

        var e = result.Energy;
        var energy = new Table().AddColumns("energy", "J", "share");
        foreach (var (name, joules) in new[] { ("compute", e.ComputeJ), ("on-chip memory", e.OnChipMemoryJ), ("off-chip memory", e.OffChipMemoryJ), ("die-to-die / NoP", e.InterconnectJ), ("static", e.StaticJ) })
            energy.AddRow(name, Units.Si(joules, "J"), e.TotalJ > 0 ? $"{joules / e.TotalJ:P1}" : "-");
        console.Write(energy);

        var resources = new Table().AddColumns("resource", "tasks", "busy", "utilisation", "waited for");
        foreach (var r in result.Resources)
            resources.AddRow(Markup.Escape(r.Name), r.Tasks.ToString(), Units.Si(r.BusySeconds, "s"), $"{r.Utilisation:P0}", Units.Si(r.WaitingSeconds, "s"));
        console.Write(resources);
        foreach (var note in result.Notes)
            console.MarkupLine($"note: {Markup.Escape(note)}");
        console.MarkupLine($"waiting: {Units.Si(result.WaitingSeconds, "s")} over all tasks, {Units.Si(result.CriticalPathWaitingSeconds, "s")} on the critical path; " +
            $"DRAM {Units.Bytes(result.DramBytes)}, chiplet-to-chiplet {Units.Bytes(result.TransferBytes)}, spilled {Units.Bytes(result.SpilledBytes)}");
    }
}
