using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Hardware.Presets;
using Tessera.Scenarios;
using Tessera.Scoring;
using Tessera.Search.Scar;

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

    /// <summary>SCAR's Simba baseline: the SCAR scheduler (objective EDP) restricted to a homogeneous package.</summary>
    Simba,

    /// <summary>A fixed Simba-like rule: each model pipelined over same-dataflow neighbours, chiplets by MACs, one window, no search.</summary>
    SimbaFixed,
}

/// <summary>
/// One column group of a SCAR experiment: a package (preset name), its layout's short name for the table
/// ("Het-Sides", "WS"…) and the strategy. <see cref="Scenarios"/> limits it to some scenarios (empty: all).
/// </summary>
public sealed record ScarConfiguration(string Package, string Layout, ScarStrategy Strategy, ImmutableArray<int> Scenarios = default)
{
    /// <summary>The scenarios this configuration runs; empty means all.</summary>
    public ImmutableArray<int> Scenarios { get; init; } = Scenarios.IsDefault ? [] : Scenarios;

    /// <summary>True when the strategy is the SCAR scheduler (on any package).</summary>
    public bool Searched => Strategy is ScarStrategy.ScarLatency or ScarStrategy.ScarEdp or ScarStrategy.Simba;

    /// <summary>True on a package that mixes dataflows (Het-Sides, Het-CB, Het-Cross).</summary>
    public bool Heterogeneous => IsHeterogeneous(Package);

    public string StrategyName => ScarCells.Spelling(Strategy);

    public string Label => $"{Layout} {StrategyName}";

    public bool Runs(int scenario) => Scenarios.IsEmpty || Scenarios.Contains(scenario);

    /// <summary>True for a SCAR package name with a heterogeneous layout.</summary>
    public static bool IsHeterogeneous(string package) => package.Contains("-het", StringComparison.Ordinal);
}

/// <summary>
/// How a SCAR experiment runs its scenarios: the scheduler's settings, the cost model, and whose modelling choices it
/// follows. <see cref="ExperimentSetting.Scar"/>: the packages' chiplets are fixed-function (the <c>-fixed</c> presets:
/// MAESTRO's NVDLA-style <c>kcp_ws</c> and ShiDianNao-style <c>yxp_os</c>), windows and segments are cut between MAC layers
/// (<see cref="LayerView.Mac"/>), an AR/VR model's batch is its frame rate (one second of frames) with no deadline given
/// to the scheduler, and every model is pipelined in mini-batches of whole samples, at most <see cref="MaxMiniBatches"/>
/// of them (b′ = ⌈b / 8⌉) unless <see cref="MiniBatchSize"/> says otherwise. <see cref="ExperimentSetting.Tessera"/>: programmable chiplets whose
/// mappings are searched, every operator a layer, an AR/VR model one frame against its 1/fps deadline, one mini-batch
/// unless <see cref="MiniBatchSize"/> is given.
/// </summary>
public sealed record ScarRunSettings(ScarOptions Scheduler, string CostModel = CostModels.Default, ExperimentSetting Setting = ExperimentSetting.Tessera,
    int? MiniBatchSize = null)
{
    /// <summary>
    /// Under SCAR's setting a model's batch makes at most this many mini-batches: SCAR's pipelining equation leaves a fill
    /// and drain overhead of (segments − 1) ÷ mini-batches, and the cap bounds the simulated task count and the run time
    /// (docs/experiments.md, "The default b′ under SCAR's setting").
    /// </summary>
    public const int MaxMiniBatches = 8;

    public bool IsScar => Setting == ExperimentSetting.Scar;

    /// <summary>The scheduler's settings with the setting's layer view.</summary>
    public ScarOptions SchedulerOptions => IsScar ? Scheduler with { Layers = LayerView.Mac } : Scheduler;

    /// <summary>The package a preset stands for under this setting (its fixed-function counterpart under SCAR's).</summary>
    public string Package(string preset) => IsScar ? HardwarePresets.Fixed(preset) : preset;

    /// <summary>A model's batch: its frame rate for an AR/VR model under SCAR's setting, else the scenario's batch.</summary>
    public int Batch(ScarScenarioModel model) => IsScar && model.FramesPerSecond is { } fps ? (int)Math.Round(fps) : model.Batch;

    /// <summary>The time an AR/VR model's batch of frames may take: 1/fps for one frame, one second for fps frames.</summary>
    public double? Deadline(ScarScenarioModel model) => model.FramesPerSecond is { } fps ? Batch(model) / fps : null;

    /// <summary>Samples per mini-batch of a model of this batch; null for one mini-batch.</summary>
    public int? SamplesPerMiniBatch(int batch) =>
        MiniBatchSize is { } size ? Math.Min(size, batch) : IsScar ? (batch + MaxMiniBatches - 1) / MaxMiniBatches : null;

    /// <summary>The scenario on a package (under this setting's name for it), language models at sequence length 128.</summary>
    public Scenario Scenario(ScarScenario scenario, string preset) => new($"scar-scenario-{scenario.Number}", Package(preset),
    [
        .. scenario.Models.Select(m => new ModelRequest(m.Model, Batch(m), SequenceLength: ScarScenarios.SequenceLength)
            { MiniBatchSize = SamplesPerMiniBatch(Batch(m)) }),
    ]);

    /// <summary>The settings that shape the runs, for the tables' notes.</summary>
    public string Describe()
    {
        var o = SchedulerOptions;
        var batching = MiniBatchSize == ExperimentOptions.WholeBatch ? "one mini-batch"
            : MiniBatchSize is { } size ? $"mini-batches of {size} sample{(size == 1 ? "" : "s")} (at most the batch)"
            : IsScar ? $"mini-batches of ⌈batch / {MaxMiniBatches}⌉ samples" : "one mini-batch";
        return $"setting {(IsScar ? "scar" : "tessera")}: {(IsScar ? "fixed-function chiplets (kcp_ws, yxp_os), " : "")}{batching}, " +
            $"layers = {LayerViews.Spelling(o.Layers)}; SCAR: {o.Splits} splits ({o.Splits + 1} window{(o.Splits == 0 ? "" : "s")}), top-k {o.TopK}, " +
            $"{o.Provisioning.ToString().ToLowerInvariant()} provisioning, evolutionary placement above {o.ExhaustiveChiplets} chiplets " +
            $"(population {o.Population}, {o.Generations} generations); cost model {CostModel}";
    }
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
        ScarStrategy.Simba => "Simba",
        _ => "Simba fixed",
    };

    /// <summary>
    /// Schedules and simulates the scenario. Under Tessera's setting AR/VR models' frame deadlines go to SCAR as soft
    /// latency limits (met first when any candidate can, reported as slack or miss otherwise); under SCAR's they are only
    /// reported. An infeasible configuration becomes the cell's reason instead of a missing row.
    /// </summary>
    public static ScarCell Run(ScarScenario scenario, ScarConfiguration configuration, ScarRunSettings settings, ScenarioRunner runner,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(runner);
        var deadlines = scenario.Models.Where(m => settings.Deadline(m) is not null)
            .ToImmutableDictionary(m => m.Model, m => settings.Deadline(m)!.Value, StringComparer.Ordinal);
        var limits = settings.IsScar || deadlines.IsEmpty ? null : deadlines;
        var run = settings.Scenario(scenario, configuration.Package);
        var name = configuration.StrategyName;
        const string origin = "experiment";
        var schedule = configuration.Searched
            ? new ScheduleSpec
            {
                Scheduler = "scar",
                CostModel = settings.CostModel,
                Objective = configuration.Strategy == ScarStrategy.ScarLatency ? Objective.Latency : Objective.Edp,
                Options = ScarScheduler.Settings(settings.SchedulerOptions with { LatencyLimits = limits, EnforceLimits = false }, origin),
            }
            : new ScheduleSpec { Scheduler = configuration.Strategy == ScarStrategy.Standalone ? "standalone" : "simba", CostModel = settings.CostModel };
        var result = runner.Run(run with { Schedule = schedule }, cancellation: cancellation);
        if (result.Evaluation is not { } e)
            return new ScarCell(scenario.Number, run.Hardware, configuration.Layout, name, double.NaN, double.NaN, [], 0, result.Infeasible);
        if (result.Search is ScarReport scar)
            return new ScarCell(scenario.Number, run.Hardware, configuration.Layout, name, scar.LatencySeconds, scar.EnergyJ,
                [.. scar.Models.Select(m => new ScarModelOutcome(m.Model, m.LatencySeconds, deadlines.TryGetValue(m.Model, out var d) ? d : null))],
                scar.Simulations, null);
        return new ScarCell(scenario.Number, run.Hardware, configuration.Layout, name, e.LatencySeconds, e.Energy.TotalJ,
            [.. e.Models.Select(m => new ScarModelOutcome(m.Model, m.LatencySeconds, deadlines.TryGetValue(m.Model, out var d) ? d : null))], 1, null);
    }

    /// <summary>
    /// The 3×3 column groups both SCAR experiments compare: Het-Sides and Het-CB under SCAR (latency and EDP); WS and OS
    /// under Standalone, Simba (SCAR restricted to the homogeneous package) and the fixed Simba-like rule.
    /// <paramref name="suffix"/> picks the preset family ("" datacenter, "-arvr").
    /// </summary>
    public static ImmutableArray<ScarConfiguration> ThreeByThree(string suffix) =>
    [
        new($"scar-3x3-het-sides{suffix}", "Het-Sides", ScarStrategy.ScarLatency),
        new($"scar-3x3-het-sides{suffix}", "Het-Sides", ScarStrategy.ScarEdp),
        new($"scar-3x3-het{suffix}", "Het-CB", ScarStrategy.ScarLatency),
        new($"scar-3x3-het{suffix}", "Het-CB", ScarStrategy.ScarEdp),
        new($"scar-3x3-ws{suffix}", "WS", ScarStrategy.Standalone),
        new($"scar-3x3-ws{suffix}", "WS", ScarStrategy.Simba),
        new($"scar-3x3-ws{suffix}", "WS", ScarStrategy.SimbaFixed),
        new($"scar-3x3-os{suffix}", "OS", ScarStrategy.Standalone),
        new($"scar-3x3-os{suffix}", "OS", ScarStrategy.Simba),
        new($"scar-3x3-os{suffix}", "OS", ScarStrategy.SimbaFixed),
    ];

    /// <summary>
    /// Every scenario under every configuration that runs it, in order, progress after each cell; <paramref name="jobs"/>
    /// cells at once, each cell kept at its place so the result does not depend on which finishes first. One runner for
    /// every cell: its cost model's mapping cache is shared by packages built from the same chiplet designs.
    /// </summary>
    public static ImmutableArray<ScarCell> RunAll(IReadOnlyList<ScarScenario> scenarios, IReadOnlyList<ScarConfiguration> configurations,
        ScarRunSettings settings, int jobs, IProgress<double>? progress, CancellationToken cancellation)
    {
        var work = scenarios.SelectMany(s => configurations.Where(c => c.Runs(s.Number)).Select(c => (s, c))).ToList();
        var runner = new ScenarioRunner();
        var cells = new ScarCell[work.Count];
        int finished = 0;
        Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs), CancellationToken = cancellation }, i =>
        {
            cells[i] = Run(work[i].s, work[i].c, settings, runner, cancellation);
            progress?.Report(Interlocked.Increment(ref finished) / (double)work.Count);
        });
        return [.. cells];
    }

    /// <summary>
    /// Best EDP on a heterogeneous package ÷ best EDP on a homogeneous one among feasible cells (&lt; 1: heterogeneity
    /// wins); NaN when a side has no feasible cell.
    /// </summary>
    public static double EdpRatio(IEnumerable<ScarCell> cells)
    {
        var feasible = cells.Where(c => c.Feasible).ToList();
        double Best(bool heterogeneous) => feasible.Where(c => ScarConfiguration.IsHeterogeneous(c.Package) == heterogeneous)
            .Select(c => c.Edp).DefaultIfEmpty(double.NaN).Min();
        return Best(true) / Best(false);
    }

    /// <summary>A short infeasibility text for a table cell: "infeasible: " and the first clause of the reason.</summary>
    public static string Infeasible(string reason)
    {
        var colon = reason.IndexOf(':', StringComparison.Ordinal);
        return "infeasible: " + (colon > 0 ? reason[(colon + 1)..].Trim() : reason);
    }
}
