using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Simulation;
using Tessera.Workloads;

namespace Tessera.Search;

/// <summary>
/// Turns a prepared problem into a simulated schedule: the greedy rule, NSGA-II, CP-SAT, SCAR and SCAR's baselines
/// all implement it. A new scheduler is one class with a public parameterless constructor; <see cref="Schedulers"/>
/// finds it, and `tessera run --scheduler NAME` (or <c>schedule: {scheduler: NAME}</c>) runs it.
/// </summary>
public interface IScheduler
{
    /// <summary>The name users choose it by, lower case with dashes.</summary>
    string Name { get; }

    /// <summary>One line: what it does.</summary>
    string Description { get; }

    /// <summary>The partitions it schedules; the first is used when the scenario names none.</summary>
    ImmutableArray<PartitionMode> Partitions { get; }

    /// <summary>The objective used when none is given; null when the scheduler takes no objective.</summary>
    Objective? DefaultObjective { get; }

    /// <summary>The objectives it takes; empty means any objective over latency and energy.</summary>
    ImmutableArray<Objective> Objectives { get; }

    /// <summary>Its knobs (e.g. population), each settable as <c>--NAME</c> or under <c>schedule:</c>.</summary>
    ImmutableArray<SchedulerOption> Options { get; }

    /// <summary>Schedules and simulates; an infeasible problem is a result with a reason, not an exception.</summary>
    ScheduleResult Schedule(ScheduleProblem problem, IProgress<double>? progress, CancellationToken cancellation);
}

/// <summary>A scheduler's knob: its name (kebab case), what it does and its default in text ("" when it has none).</summary>
public sealed record SchedulerOption(string Name, string Description, string Default, bool Repeatable = false);

/// <summary>
/// What a scheduler gets: the models on the package, the partition (mode resolved), the cost model, the simulator's
/// options, the objective (resolved; null when the scheduler takes none) and the values of its options.
/// </summary>
public sealed record ScheduleProblem(string Scenario, Package Package, ImmutableArray<ModelInstance> Models, PartitionOptions Partition,
    IOperatorCostModel CostModel, SimulationOptions Simulation, Objective? Objective, SchedulerSettings Settings);

/// <summary>
/// What every scheduler returns: the simulator's evaluation of the chosen schedule (for several simulated phases, their
/// sequence), the simulations behind it, and the search's own report (Pareto front, optimality gap, SCAR windows …).
/// <see cref="Infeasible"/> says why there is no schedule; the evaluation is then absent.
/// </summary>
public sealed record ScheduleResult(string Scheduler, EvaluationResult? Evaluation, ImmutableArray<SimulationResult> Simulations,
    SearchReport? Search = null, string? Infeasible = null)
{
    public bool Feasible => Infeasible is null;

    /// <summary>The package scheduled on, as the scenario runner built it (overrides applied); null from a scheduler alone.</summary>
    public Package? Package { get; init; }

    /// <summary>One simulated schedule with an optional report.</summary>
    public static ScheduleResult Simulated(string scheduler, SimulationResult simulation, SearchReport? search = null)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        return new(scheduler, simulation.Evaluation, [simulation], search);
    }

    public static ScheduleResult InfeasibleBecause(string scheduler, string reason) => new(scheduler, null, [], null, reason);

    /// <summary>The evaluation; an <see cref="InfeasibleException"/> with the reason when there is none.</summary>
    public EvaluationResult Require() => Evaluation ?? throw new InfeasibleException(Infeasible ?? "no schedule");

    /// <summary>The result with notes added to its evaluation.</summary>
    public ScheduleResult WithNotes(IEnumerable<string> notes) =>
        Evaluation is null ? this : this with { Evaluation = Evaluation with { Notes = Evaluation.Notes.AddRange(notes) } };
}

/// <summary>A search's own account of how it chose (serialised under "search" beside the evaluation).</summary>
public abstract record SearchReport(string Algorithm);

/// <summary>The schedulers, found by reflection: every public non-abstract <see cref="IScheduler"/> of this assembly.</summary>
public static class Schedulers
{
    /// <summary>The scheduler used when none is named: place each layer where it finishes first.</summary>
    public const string Default = "greedy";

    public static ImmutableArray<IScheduler> All { get; } = Registry.Discover<IScheduler>(s => s.Name);

    /// <summary>Every option name any scheduler takes (for the command line's flags).</summary>
    public static ImmutableArray<SchedulerOption> AllOptions { get; } =
        [.. All.SelectMany(s => s.Options).DistinctBy(o => o.Name).OrderBy(o => o.Name, StringComparer.Ordinal)];

    /// <summary>The scheduler of this name (case-insensitive); an input error naming the known ones otherwise.</summary>
    public static IScheduler Find(string name, string? where = null) => Registry.Find(All, name, s => s.Name, "scheduler", where);
}
