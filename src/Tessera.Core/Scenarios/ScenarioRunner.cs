using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Costs.Mapping;
using Tessera.Diagnostics;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Interop.Stream;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Search;
using Tessera.Search.Scar;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads.Tiling;
using Tessera.Workloads;
using Tessera.Interop;

namespace Tessera.Scenarios;

/// <summary>
/// Runs a scenario end to end: hardware and models are loaded, the partition (or a Stream mapping) decides the
/// tasks, an allocation search runs when asked, and the simulator judges the result. The CLI only prints it.
/// </summary>
public static class ScenarioRunner
{
    /// <summary>Partitions the scenario as it asks and simulates it (with the loop-nest cost model unless given another).</summary>
    public static SimulationResult Simulate(Scenario scenario, IOperatorCostModel? costModel = null, bool contention = true)
    {
        costModel ??= new LoopNestCostModel();
        var (package, models, options, notes) = Prepare(scenario, searched: false);
        var graph = Partitioners.Create(options, costModel).Partition(package, models);
        var result = new Simulator(costModel).Simulate(scenario.Name, package, graph, new SimulationOptions(contention));
        return notes.IsEmpty ? result : result with { Evaluation = result.Evaluation with { Notes = notes } };
    }

    /// <summary>Searches the allocation with NSGA-II and simulates the chosen point of the front.</summary>
    public static (SimulationResult, GeneticResult) Search(Scenario scenario, IOperatorCostModel costModel, bool contention,
        GeneticOptions ga, IProgress<double>? progress = null, int layersPerGene = 1)
    {
        var (package, models, options, notes) = Prepare(scenario, searched: true);
        var problem = new AllocationProblem(scenario.Name, package, models, options, costModel, new SimulationOptions(contention), layersPerGene);
        var front = new GeneticAllocator(problem, ga).Run(progress);
        var result = problem.Simulate(front.Chosen.Genome);
        notes = notes.Add($"allocation: NSGA-II over {front.Genes} gene(s) of up to {layersPerGene} layer(s), population {ga.Population}, {ga.Generations} generations, seed {ga.Seed}: " +
            $"{front.Evaluations} of {Space(front.SpaceSize)} allocations simulated, {front.Front.Length} on the Pareto front; the {front.Objective.ToString().ToLowerInvariant()} point runs");
        return (result with { Evaluation = result.Evaluation with { Notes = notes } }, front);
    }

    /// <summary>Solves the layer-by-layer allocation exactly with CP-SAT; the result carries the simulator's numbers.</summary>
    public static (SimulationResult, ExactResult) SolveExact(Scenario scenario, IOperatorCostModel costModel, bool contention, ExactOptions exact)
    {
        var (package, models, options, notes) = Prepare(scenario, searched: true);
        var problem = new AllocationProblem(scenario.Name, package, models, options, costModel, new SimulationOptions(contention));
        var result = new ExactAllocator(problem, exact).Run();
        notes = notes.Add($"allocation: CP-SAT over {result.Layers} layer(s) on {result.Cores} core(s), objective {result.Objective.ToString().ToLowerInvariant()}" +
            $"{(result.Objective == MappingObjective.Edp ? " (weighted-sum proxy)" : "")}: {result.Status.ToString().ToLowerInvariant()}, gap {result.Gap:P2}, " +
            $"model makespan {result.ModelMakespanSeconds:G4} s (no contention: a lower bound), {result.WallSeconds:0.00} s");
        var simulated = result.Simulated;
        return (simulated with { Evaluation = simulated.Evaluation with { Notes = notes } }, result);
    }

    /// <summary>
    /// Multi-model scheduling after SCAR: windows, provisioning, segmentation and placement, every surviving candidate
    /// simulated. The scenario's mini-batches (--minibatch) replace the options'.
    /// </summary>
    public static ScarResult Scar(Scenario scenario, IOperatorCostModel costModel, bool contention, ScarOptions options,
        IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        var (package, models, _, _) = Prepare(scenario, searched: true);
        var scheduler = new ScarScheduler(package, models, costModel, options with { MiniBatches = scenario.MiniBatches }, new SimulationOptions(contention));
        return scheduler.Run(scenario.Name, progress, cancellation);
    }

    /// <summary>One of SCAR's baselines (Standalone, Simba-like, single core) on the scenario's hardware, simulated.</summary>
    public static SimulationResult Baseline(Scenario scenario, IOperatorCostModel costModel, bool contention, BaselineKind kind,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var (package, models, _, _) = Prepare(scenario, searched: true);
        return Baselines.Run(scenario.Name, kind, package, models, costModel, scenario.MiniBatches, new SimulationOptions(contention), cancellation);
    }

    private static (Package, IReadOnlyList<ModelInstance>, PartitionOptions, ImmutableArray<string>) Prepare(Scenario scenario, bool searched)
    {
        var technology = TechnologyLibrary.LoadDefault();
        var package = HardwareLoader.Load(scenario.Hardware, technology);
        var models = ScenarioLoader.BuildModels(scenario);
        var options = new PartitionOptions(scenario.Partition ?? PartitionMode.LayerByLayer, scenario.MiniBatches, scenario.TensorParallelWays,
            Tiling: scenario.Tiling is { } text ? ParseTiling(text) : null);
        var notes = ImmutableArray<string>.Empty;
        if (scenario.Mapping is { } mappingPath)
            (options, notes) = WithMapping(options, scenario, package, models, mappingPath, searched);
        return (package, models, options, notes);
    }

    /// <summary>"OY, all; K, 4" → the cuts in order.</summary>
    public static TilingSpec ParseTiling(string text) =>
        TilingSpec.Parse(text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>A Stream mapping on Stream hardware: the requested partition (or the mapping's tiling) decides how it runs.</summary>
    private static (PartitionOptions, ImmutableArray<string>) WithMapping(PartitionOptions options, Scenario scenario, Package package,
        IReadOnlyList<ModelInstance> models, string mappingPath, bool searched)
    {
        if (!HardwareLoader.IsStreamAccelerator(scenario.Hardware))
            throw new TesseraInputException($"--mapping {mappingPath} needs a Stream accelerator file as --hardware (got '{scenario.Hardware}')");
        return MappingPartition.Resolve(scenario.Partition, options, StreamMapping.Load(mappingPath, package), models, searched);
    }

    /// <summary>A search-space size for notes: exact below 10⁹, else in scientific notation.</summary>
    public static string Space(double size) => size < 1e9 ? $"{size:0}" : $"{size:0.#e+0}";
}
