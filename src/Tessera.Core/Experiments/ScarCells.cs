using Tessera.Scoring;
using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Search.Scar;
using Tessera.Scenarios;

namespace Tessera.Experiments;

/// <summary>How a SCAR experiment schedules a scenario on a package.</summary>
public enum ScarStrategy
{
    /// <summary>The SCAR scheduler, objective latency.</summary>
    ScarLatency,

    /// <summary>The SCAR scheduler, objective EDP (its default).</summary>
    ScarEdp,

    /// <summary>SCAR's Standalone baseline: a chiplet per model (homogeneous packages).</summary>
    Standalone,

    /// <summary>SCAR's Simba-like baseline: each model pipelined over same-dataflow neighbours (homogeneous packages).</summary>
    SimbaLike,
}

/// <summary>
/// One column group of a SCAR experiment: a package (preset name), its layout's short name for the table
/// ("Het-Sides", "WS"…) and the strategy. <see cref="Scenarios"/> limits it to some scenarios (empty: all).
/// </summary>
public sealed record ScarConfiguration(string Package, string Layout, ScarStrategy Strategy, ImmutableArray<int> Scenarios = default)
{
    /// <summary>The scenarios this configuration runs; empty means all.</summary>
    public ImmutableArray<int> Scenarios { get; init; } = Scenarios.IsDefault ? [] : Scenarios;

    public bool IsHeterogeneous => Strategy is ScarStrategy.ScarLatency or ScarStrategy.ScarEdp;

    public string StrategyName => ScarCells.Spelling(Strategy);

    public string Label => $"{Layout} {StrategyName}";

    public bool Runs(int scenario) => Scenarios.IsEmpty || Scenarios.Contains(scenario);
}

/// <summary>A model's latency in one cell and its frame deadline (AR/VR), with slack = deadline − latency.</summary>
public sealed record ScarModelOutcome(string Model, double LatencySeconds, double? DeadlineSeconds)
{
    /// <summary>Deadline − latency: positive is slack, negative a miss; null without a deadline.</summary>
    public double? SlackSeconds => DeadlineSeconds - LatencySeconds;

    public bool? MeetsDeadline => SlackSeconds is { } slack ? slack >= 0 : null;
}

/// <summary>
/// One scenario under one configuration: latency, energy and EDP from the simulator and each model's latency, or
/// the reason it could not run (<see cref="Reason"/>: e.g. Standalone with more models than chiplets).
/// </summary>
public sealed record ScarCell(int Scenario, string Package, string Layout, string Strategy, double LatencySeconds, double EnergyJ,
    ImmutableArray<ScarModelOutcome> Models, int Simulations, string? Reason)
{
    public bool Feasible => Reason is null;

    public double Edp => LatencySeconds * EnergyJ;
}

/// <summary>Runs one SCAR scenario under one configuration; both SCAR experiments share it.</summary>
public static class ScarCells
{
    public static string Spelling(ScarStrategy strategy) => strategy switch
    {
        ScarStrategy.ScarLatency => "SCAR-lat",
        ScarStrategy.ScarEdp => "SCAR-EDP",
        ScarStrategy.Standalone => "Standalone",
        _ => "Simba-like",
    };

    /// <summary>
    /// Schedules and simulates the scenario. AR/VR models' frame deadlines go to SCAR as soft latency limits (met first
    /// when any candidate can, reported as slack or miss otherwise). An infeasible configuration becomes the cell's
    /// reason instead of a missing row.
    /// </summary>
    public static ScarCell Run(ScarScenario scenario, ScarConfiguration configuration, ScarOptions options, ScenarioRunner runner,
        string costModel = CostModels.Default, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(runner);
        var deadlines = scenario.Models.Where(m => m.DeadlineSeconds is not null)
            .ToImmutableDictionary(m => m.Model, m => m.DeadlineSeconds!.Value, StringComparer.Ordinal);
        var run = scenario.On(configuration.Package);
        var name = configuration.StrategyName;
        const string origin = "experiment";
        var schedule = configuration.IsHeterogeneous
            ? new ScheduleSpec
            {
                Scheduler = "scar",
                CostModel = costModel,
                Objective = configuration.Strategy == ScarStrategy.ScarLatency ? Objective.Latency : Objective.Edp,
                Options = ScarScheduler.Settings(options with { LatencyLimits = deadlines.IsEmpty ? null : deadlines, EnforceLimits = false }, origin),
            }
            : new ScheduleSpec { Scheduler = configuration.Strategy == ScarStrategy.Standalone ? "standalone" : "simba", CostModel = costModel };
        var result = runner.Run(run with { Schedule = schedule, MiniBatches = options.MiniBatches == 1 ? null : options.MiniBatches }, cancellation: cancellation);
        if (result.Evaluation is not { } e)
            return new ScarCell(scenario.Number, configuration.Package, configuration.Layout, name, double.NaN, double.NaN, [], 0, result.Infeasible);
        if (result.Search is ScarReport scar)
            return new ScarCell(scenario.Number, configuration.Package, configuration.Layout, name, scar.LatencySeconds, scar.EnergyJ,
                [.. scar.Models.Select(m => new ScarModelOutcome(m.Model, m.LatencySeconds, m.LimitSeconds))], scar.Simulations, null);
        return new ScarCell(scenario.Number, configuration.Package, configuration.Layout, name, e.LatencySeconds, e.Energy.TotalJ,
            [.. e.Models.Select(m => new ScarModelOutcome(m.Model, m.LatencySeconds, deadlines.TryGetValue(m.Model, out var d) ? d : null))], 1, null);
    }

    /// <summary>
    /// The 3×3 column groups both SCAR experiments compare: Het-Sides and Het-CB under SCAR (latency and EDP), WS and
    /// OS under Standalone and Simba-like. <paramref name="suffix"/> picks the preset family ("" datacenter, "-arvr").
    /// </summary>
    public static ImmutableArray<ScarConfiguration> ThreeByThree(string suffix) =>
    [
        new($"scar-3x3-het-sides{suffix}", "Het-Sides", ScarStrategy.ScarLatency),
        new($"scar-3x3-het-sides{suffix}", "Het-Sides", ScarStrategy.ScarEdp),
        new($"scar-3x3-het{suffix}", "Het-CB", ScarStrategy.ScarLatency),
        new($"scar-3x3-het{suffix}", "Het-CB", ScarStrategy.ScarEdp),
        new($"scar-3x3-ws{suffix}", "WS", ScarStrategy.Standalone),
        new($"scar-3x3-ws{suffix}", "WS", ScarStrategy.SimbaLike),
        new($"scar-3x3-os{suffix}", "OS", ScarStrategy.Standalone),
        new($"scar-3x3-os{suffix}", "OS", ScarStrategy.SimbaLike),
    ];

    /// <summary>
    /// Every scenario under every configuration that runs it, in order, progress after each cell. One runner for every
    /// cell: its cost model's mapping cache is shared by packages built from the same chiplet designs.
    /// </summary>
    public static ImmutableArray<ScarCell> RunAll(IReadOnlyList<ScarScenario> scenarios, IReadOnlyList<ScarConfiguration> configurations,
        ScarOptions options, string costModel, IProgress<double>? progress, CancellationToken cancellation)
    {
        var work = scenarios.SelectMany(s => configurations.Where(c => c.Runs(s.Number)).Select(c => (s, c))).ToList();
        var runner = new ScenarioRunner();
        var cells = ImmutableArray.CreateBuilder<ScarCell>(work.Count);
        foreach (var (scenario, configuration) in work)
        {
            cancellation.ThrowIfCancellationRequested();
            cells.Add(Run(scenario, configuration, options, runner, costModel, cancellation));
            progress?.Report(cells.Count / (double)work.Count);
        }
        return cells.MoveToImmutable();
    }

    /// <summary>A short infeasibility text for a table cell: "infeasible: " and the first clause of the reason.</summary>
    public static string Infeasible(string reason)
    {
        var colon = reason.IndexOf(':', StringComparison.Ordinal);
        return "infeasible: " + (colon > 0 ? reason[(colon + 1)..].Trim() : reason);
    }
}
