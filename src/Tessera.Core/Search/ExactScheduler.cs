using System.Collections.Immutable;
using Tessera.Scheduling;
using Tessera.Scoring;

namespace Tessera.Search;

/// <summary>
/// CP-SAT over the layer → core allocation, layer by layer: optimal, or a proven gap within the time limit; the
/// allocation is then simulated (the solver's model has no contention, so its makespan is a lower bound).
/// </summary>
public sealed class ExactScheduler : IScheduler
{
    public string Name => "exact";

    public string Description => "CP-SAT over each layer's core, layer by layer: optimal or a proven gap within the time limit, then simulated";

    public ImmutableArray<PartitionMode> Partitions { get; } = [PartitionMode.LayerByLayer];

    public Objective? DefaultObjective => Objective.Latency;

    public ImmutableArray<Objective> Objectives { get; } = [Objective.Latency, Objective.Energy, Objective.Edp];

    private static readonly ExactOptions Defaults = new();

    public ImmutableArray<SchedulerOption> Options { get; } =
    [
        new("time-limit", "CP-SAT wall-time limit in seconds (then the best allocation found and its proven gap)", $"{Defaults.TimeLimitSeconds}"),
        new("seed", "the solver's random seed", $"{Defaults.Seed}"),
    ];

    public ScheduleResult Schedule(ScheduleProblem problem, IProgress<double>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var options = new ExactOptions(problem.Objective, problem.Settings.Positive("time-limit", Defaults.TimeLimitSeconds),
            Seed: problem.Settings.Count("seed", Defaults.Seed, minimum: 0));
        var allocation = new AllocationProblem(problem.Scenario, problem.Package, problem.Models, problem.Partition, problem.CostModel, problem.Simulation);
        var r = new ExactAllocator(allocation, options).Run(cancellation);
        var note = $"allocation: CP-SAT over {r.Layers} layer(s) on {r.Cores} core(s), objective {r.Objective}" +
            $"{(r.Objective == Objective.Edp ? " (weighted-sum proxy)" : "")}: {r.Status.ToString().ToLowerInvariant()}, gap {r.Gap:P2}, " +
            $"model makespan {r.ModelMakespanSeconds:G4} s (no contention: a lower bound), {r.WallSeconds:0.00} s";
        return ScheduleResult.Simulated(Name, r.Simulated, ExactReport.From(r)).WithNotes([note]);
    }
}

/// <summary>CP-SAT's account: status, objective value and proven bound (model units), gap, the model's own figures and the allocation.</summary>
public sealed record ExactReport(string Status, string Objective, double ObjectiveValue, double Bound, double Gap, double ModelMakespanSeconds,
    double ModelEnergyJ, int Layers, int Cores, double WallSeconds, IReadOnlyDictionary<string, string> Allocation) : SearchReport("cp-sat")
{
    public static ExactReport From(ExactResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.Status.ToString().ToLowerInvariant(), r.Objective.Name, r.ObjectiveValue, r.Bound, r.Gap, r.ModelMakespanSeconds, r.ModelEnergyJ,
            r.Layers, r.Cores, r.WallSeconds, SearchSpace.Describe(r.Allocation));
    }
}
