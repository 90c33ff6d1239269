using System.Collections.Immutable;
using Tessera.Scheduling;
using Tessera.Scoring;

namespace Tessera.Search;

/// <summary>
/// NSGA-II over each layer's core (Stream's allocation search), every candidate simulated; the objective picks the
/// point of the latency–energy front that runs.
/// </summary>
public sealed class GeneticScheduler : IScheduler
{
    public string Name => "ga";

    public string Description => "NSGA-II over each layer's core (lbl or fused), every candidate simulated; the objective picks the point of the Pareto front";

    public ImmutableArray<PartitionMode> Partitions { get; } = [PartitionMode.LayerByLayer, PartitionMode.Fused];

    public Objective? DefaultObjective => Objective.Edp;

    public ImmutableArray<Objective> Objectives => [];

    private static readonly GeneticOptions Defaults = new();

    public ImmutableArray<SchedulerOption> Options { get; } =
    [
        new("population", "genomes per generation", $"{Defaults.Population}"),
        new("generations", "generations after the first", $"{Defaults.Generations}"),
        new("seed", "the only random source: the same seed gives the same result", $"{Defaults.Seed}"),
        new("stack", "consecutive layers per gene (one core for the stack)", "1"),
    ];

    public ScheduleResult Schedule(ScheduleProblem problem, IProgress<double>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var s = problem.Settings;
        var options = new GeneticOptions(s.Count("population", Defaults.Population, minimum: 2), s.Count("generations", Defaults.Generations, minimum: 0),
            s.Count("seed", Defaults.Seed, minimum: 0), problem.Objective);
        int stack = s.Count("stack", 1);
        var allocation = new AllocationProblem(problem.Scenario, problem.Package, problem.Models, problem.Partition, problem.CostModel,
            problem.Simulation, stack);
        var front = new GeneticAllocator(allocation, options).Run(progress, cancellation);
        var simulation = allocation.Simulate(front.Chosen.Genome, cancellation);
        var note = $"allocation: NSGA-II over {front.Genes} gene(s) of up to {stack} layer(s), population {options.Population}, " +
            $"{options.Generations} generations, seed {options.Seed}: {front.Evaluations} of {SearchSpace.Describe(front.SpaceSize)} allocations " +
            $"simulated, {front.Front.Length} on the Pareto front; the {front.Objective} point runs";
        return ScheduleResult.Simulated(Name, simulation, ParetoReport.From(front)).WithNotes([note]);
    }
}

/// <summary>A point of the front as reported: metrics, whether it runs, and the core of every layer ("model/op" → "chiplet.core").</summary>
public sealed record FrontPoint(double LatencySeconds, double EnergyJ, double Edp, bool Chosen, IReadOnlyDictionary<string, string> Allocation)
{
    public static FrontPoint From(ParetoPoint p, ParetoPoint chosen)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new(p.LatencySeconds, p.EnergyJ, p.Metrics.Edp, p == chosen, SearchSpace.Describe(p.Allocation));
    }
}

/// <summary>NSGA-II's account: the objective, how much was simulated, the greedy start and the front (by latency).</summary>
public sealed record ParetoReport(string Objective, int Evaluations, int Genes, double SpaceSize, FrontPoint Greedy, IReadOnlyList<FrontPoint> Front)
    : SearchReport("nsga2")
{
    public static ParetoReport From(GeneticResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.Objective.Name, r.Evaluations, r.Genes, r.SpaceSize, FrontPoint.From(r.Greedy, r.Chosen), [.. r.Front.Select(p => FrontPoint.From(p, r.Chosen))]);
    }
}

/// <summary>How search spaces and allocations read in reports.</summary>
public static class SearchSpace
{
    /// <summary>A search-space size: exact below 10⁹, else in scientific notation.</summary>
    public static string Describe(double size) => size < 1e9 ? $"{size:0}" : $"{size:0.#e+0}";

    /// <summary>An allocation as "model/operator" → "chiplet.core", sorted.</summary>
    public static IReadOnlyDictionary<string, string> Describe(IReadOnlyDictionary<(string Model, string Operator), CoreRef> allocation) =>
        allocation.OrderBy(a => a.Key.Model, StringComparer.Ordinal).ThenBy(a => a.Key.Operator, StringComparer.Ordinal)
            .ToDictionary(a => $"{a.Key.Model}/{a.Key.Operator}", a => $"{a.Value.Chiplet}.{a.Value.Core}");
}
