using System.Collections.Immutable;
using Tessera.Scheduling;
using Tessera.Scoring;

namespace Tessera.Search.Scar;

/// <summary>SCAR's fixed baselines as schedulers: no objective and no options; the evaluation's notes say how each was built.</summary>
public abstract class BaselineScheduler(BaselineKind kind, PartitionMode partition) : IScheduler
{
    public string Name => Baselines.Spelling(kind);

    public abstract string Description { get; }

    public ImmutableArray<PartitionMode> Partitions { get; } = [partition];

    public Objective? DefaultObjective => null;

    public ImmutableArray<Objective> Objectives => [];

    public ImmutableArray<SchedulerOption> Options => [];

    public ScheduleResult Schedule(ScheduleProblem problem, IProgress<double>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var simulation = Baselines.Run(problem.Scenario, kind, problem.Package, problem.Models, problem.CostModel, problem.Partition.MiniBatches,
            problem.Simulation, cancellation);
        return ScheduleResult.Simulated(Name, simulation);
    }
}

/// <summary>SCAR's Standalone: a chiplet of its own per model (homogeneous packages).</summary>
public sealed class StandaloneScheduler() : BaselineScheduler(BaselineKind.Standalone, PartitionMode.Pipelined)
{
    public override string Description => "SCAR's Standalone baseline: each model alone on a chiplet of a homogeneous package";
}

/// <summary>SCAR's Simba-like baseline as a fixed rule: chiplets shared by MACs, segments balanced by compute, one window.</summary>
public sealed class SimbaScheduler() : BaselineScheduler(BaselineKind.SimbaLike, PartitionMode.Pipelined)
{
    public override string Description => "Simba-like baseline: each model pipelined over same-dataflow neighbours, chiplets in proportion to MACs";
}

/// <summary>Every layer of every model on one chiplet, layer by layer.</summary>
public sealed class SingleCoreScheduler() : BaselineScheduler(BaselineKind.SingleCore, PartitionMode.LayerByLayer)
{
    public override string Description => "every layer of every model on the chiplet nearest memory, layer by layer";
}
