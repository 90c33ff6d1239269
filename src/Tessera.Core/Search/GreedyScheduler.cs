using System.Collections.Immutable;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Simulation;

namespace Tessera.Search;

/// <summary>
/// The rule without a search: every operator (or tile, or segment) on the core where it finishes first, as the
/// partitioner places it, then simulated. Works with every partition.
/// </summary>
public sealed class GreedyScheduler : IScheduler
{
    public string Name => Schedulers.Default;

    public string Description => "each operator on the core where it finishes first (earliest finish), any partition";

    public ImmutableArray<PartitionMode> Partitions { get; } =
        [PartitionMode.LayerByLayer, PartitionMode.Fused, PartitionMode.Pipelined, PartitionMode.TensorParallel, PartitionMode.System];

    public Objective? DefaultObjective => null;

    public ImmutableArray<Objective> Objectives => [];

    public ImmutableArray<SchedulerOption> Options => [];

    public ScheduleResult Schedule(ScheduleProblem problem, IProgress<double>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var graph = Partitioners.Create(problem.Partition, problem.CostModel).Partition(problem.Package, problem.Models);
        var simulation = new Simulator(problem.CostModel).Simulate(problem.Scenario, problem.Package, graph, problem.Simulation, cancellation);
        return ScheduleResult.Simulated(Name, simulation);
    }
}
