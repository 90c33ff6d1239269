using System.Collections.Concurrent;
using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Interop;
using Tessera.Interop.Stream;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Search;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Tiling;

namespace Tessera.Scenarios;

/// <summary>
/// Runs a scenario end to end through one entry point: hardware and models are loaded, the settings are checked
/// against the chosen scheduler (a setting that does not apply is refused, never ignored), the partition is resolved,
/// and the scheduler schedules and the simulator judges. Cost models are made once per runner and name, so runs
/// that share a runner share their mapping caches.
/// </summary>
public sealed class ScenarioRunner(TechnologyLibrary? technology = null)
{
    private readonly TechnologyLibrary _technology = technology ?? TechnologyLibrary.LoadDefault();
    private readonly ConcurrentDictionary<string, IOperatorCostModel> _costModels = new(StringComparer.Ordinal);

    /// <summary>This runner's instance of the named cost model.</summary>
    public IOperatorCostModel CostModel(string name) => _costModels.GetOrAdd(name, CostModels.Create);

    /// <summary>Prepares, schedules and simulates; an infeasible scenario is a result with a reason. Either carries the package.</summary>
    public ScheduleResult Run(Scenario scenario, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        var (scheduler, problem, notes) = Prepare(scenario);
        try
        {
            return scheduler.Schedule(problem, progress, cancellation).WithNotes(notes) with { Package = problem.Package };
        }
        catch (InfeasibleException e)
        {
            return ScheduleResult.InfeasibleBecause(scheduler.Name, e.Message) with { Package = problem.Package };
        }
    }

    /// <summary>The scheduler and the problem the scenario describes, with notes on choices the runner made.</summary>
    public (IScheduler Scheduler, ScheduleProblem Problem, ImmutableArray<string> Notes) Prepare(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var spec = scenario.Schedule;
        var scheduler = Schedulers.Find(spec.Scheduler, scenario.Origin("scheduler"));
        var settings = new SchedulerSettings(spec.Options);
        settings.Check(scheduler);
        var objective = ResolveObjective(scenario, scheduler);
        var package = scenario.HardwareOverrides.Apply(HardwareLoader.Load(scenario.Hardware, _technology), _technology);
        var models = ScenarioLoader.BuildModels(scenario);
        var costModel = CostModel(spec.CostModel);
        var (partition, notes) = ResolvePartition(scenario, scheduler, package, models);
        var problem = new ScheduleProblem(scenario.Name, package, models, partition, costModel, new SimulationOptions(spec.Contention), objective, settings);
        return (scheduler, problem, notes);
    }

    private static Objective? ResolveObjective(Scenario scenario, IScheduler scheduler)
    {
        if (scenario.Schedule.Objective is not { } given) return scheduler.DefaultObjective;
        var where = scenario.Origin("objective");
        if (scheduler.DefaultObjective is null)
            throw TesseraInputException.At(where, $"objective '{given}' does not apply to scheduler {scheduler.Name}, which searches nothing; " +
                $"schedulers with an objective: {string.Join(", ", Schedulers.All.Where(s => s.DefaultObjective is not null).Select(s => s.Name))}");
        if (!scheduler.Objectives.IsEmpty && !scheduler.Objectives.Contains(given))
            throw TesseraInputException.At(where, $"objective '{given}' does not apply to scheduler {scheduler.Name}; expected {string.Join(", ", scheduler.Objectives)}");
        if (given.NeedsCost)
            throw TesseraInputException.At(where, $"objective '{given}' needs a package cost, and scheduler {scheduler.Name} scores latency and energy; " +
                "expected an objective over latency and energy (latency, energy, edp or an expression)");
        return given;
    }

    /// <summary>
    /// The partition: the scenario's, else the Stream mapping's, else the scheduler's first; every partition setting
    /// given must apply to it.
    /// </summary>
    private static (PartitionOptions, ImmutableArray<string>) ResolvePartition(Scenario scenario, IScheduler scheduler, Package package,
        IReadOnlyList<ModelInstance> models)
    {
        var notes = ImmutableArray<string>.Empty;
        StreamMapping? mapping = null;
        PartitionMode? mappingMode = null;
        if (scenario.Mapping is { } mappingPath)
        {
            if (!HardwareLoader.IsStreamAccelerator(scenario.Hardware))
                throw TesseraInputException.At(scenario.Origin("mapping"), $"mapping {mappingPath} needs a Stream accelerator file as hardware (got '{scenario.Hardware}')");
            if (scenario.Tiling is not null)
                throw TesseraInputException.At(scenario.Origin("tile"), "tile and a Stream mapping both set the tiling; expected one of them (the mapping's intra_core_tiling)");
            mapping = StreamMapping.Load(mappingPath, package);
            var (resolved, mappingNotes) = MappingPartition.Resolve(scenario.Partition, new PartitionOptions(), mapping, models,
                searched: scheduler.Name != Schedulers.Default);
            (mappingMode, notes) = (resolved.Mode, mappingNotes);
        }
        var mode = scenario.Partition ?? mappingMode ?? scheduler.Partitions[0];
        var where = scenario.Origin("partition") ?? scenario.Origin("mapping");
        if (!scheduler.Partitions.Contains(mode))
            throw TesseraInputException.At(where, $"partition {Partitioners.Spelling(mode)} does not apply to scheduler {scheduler.Name}; " +
                $"it schedules {string.Join(", ", scheduler.Partitions.Select(Partitioners.Spelling))}");
        Refuse(scenario, "minibatch", scenario.MiniBatches is not null && mode is not (PartitionMode.Pipelined or PartitionMode.System), "pipelined and system", mode);
        bool sized = scenario.Models.Any(m => m.MiniBatchSize is not null);
        Refuse(scenario, "minibatch_size", sized && mode != PartitionMode.Pipelined, "pipelined", mode);
        if (sized && scenario.MiniBatches is not null)
            throw TesseraInputException.At(scenario.Origin("minibatch"), "minibatch (mini-batches per model) and minibatch_size (samples per mini-batch) " +
                "both cut the batch; expected one of them");
        Refuse(scenario, "tp", scenario.TensorParallelWays is not null && mode is not (PartitionMode.TensorParallel or PartitionMode.System), "tp and system", mode);
        Refuse(scenario, "pp", scenario.PipelineStages is not null && mode != PartitionMode.System, "system", mode);
        Refuse(scenario, "dp", scenario.DataParallel is not null && mode != PartitionMode.System, "system", mode);
        Refuse(scenario, "tile", scenario.Tiling is not null && mode != PartitionMode.Fused, "fused", mode);
        var options = new PartitionOptions(mode, scenario.MiniBatches ?? 1, scenario.TensorParallelWays,
            Tiling: scenario.Tiling is { } text ? ParseTiling(text, scenario.Origin("tile")) : null, Mapping: mapping)
        { PipelineStages = scenario.PipelineStages, DataParallel = scenario.DataParallel ?? 1 };
        return (options, notes);
    }

    private static void Refuse(Scenario scenario, string key, bool refused, string appliesTo, PartitionMode mode)
    {
        if (refused)
            throw TesseraInputException.At(scenario.Origin(key), $"{key} applies to {appliesTo} partitions only, and this run is {Partitioners.Spelling(mode)}; " +
                $"expected partition {appliesTo} or no {key}");
    }

    /// <summary>"OY, all; K, 4" → the cuts in order.</summary>
    public static TilingSpec ParseTiling(string text, string? where = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        try { return TilingSpec.Parse(text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); }
        catch (TesseraInputException e) { throw TesseraInputException.At(where, e.Message); }
    }
}
