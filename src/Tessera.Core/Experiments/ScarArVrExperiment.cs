using System.Collections.Immutable;
using System.Globalization;
using Tessera.Reports;
using Tessera.Search.Scar;

namespace Tessera.Experiments;

/// <summary>
/// SCAR's AR/VR evaluation (Odema et al., MICRO 2024), scenarios 6–10 on 3×3 packages of 256-PE chiplets. Tessera's
/// setting runs one frame per model against its XRBench frame-rate target as a latency limit of 1/fps (an extension of
/// SCAR's setting); SCAR's runs a second of frames per model (batch = fps) for EDP, with no deadline given to the
/// scheduler. Het-Sides and Het-CB under SCAR against homogeneous WS and OS under Standalone, Simba (SCAR) and the fixed
/// Simba rule; every cell reports each model's slack or miss (one frame against 1/fps, or fps frames against a second).
/// </summary>
public sealed class ScarArVrExperiment : IExperiment
{
    public string Name => "scar-arvr";

    public string Description => "SCAR scenarios 6–10 (AR/VR, 256-PE chiplets): latency, energy and EDP per package and strategy, each model against its frame rate";

    public ImmutableArray<ExperimentSetting> Settings => [ExperimentSetting.Tessera, ExperimentSetting.Scar];

    public bool Pipelines => true;

    public static ImmutableArray<ScarConfiguration> Configurations { get; } = ScarCells.ThreeByThree("-arvr");

    /// <summary>The reduced run (tests): scenario 10 (two models) with one window and top-k 1; the full run uses SCAR's settings.</summary>
    public static ScarOptions Options(bool reduced) => ScarDatacenterExperiment.Options(reduced);

    public static ImmutableArray<ScarScenario> Scenarios(bool reduced) => reduced ? [ScarScenarios.Get(10)] : ScarScenarios.ArVr;

    public ExperimentResult Run(ExperimentOptions options, IProgress<double>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Check(this);
        var settings = new ScarRunSettings(Options(options.Reduced), options.CostModel, options.Setting, options.MiniBatchSize);
        ImmutableArray<ScarConfiguration> configurations = [.. Configurations.Select(c => c with { Package = settings.Package(c.Package) })];
        return new ScarArVrResult(Name, ScarCells.RunAll(Scenarios(options.Reduced), configurations, settings, options.Jobs, progress, cancellation), settings.Describe())
        { CostModel = options.CostModel, Setting = options.Setting };
    }
}

/// <summary>The cells of scar-arvr: a row per scenario and configuration with the deadline outcome of every model.</summary>
public sealed record ScarArVrResult(string Experiment, ImmutableArray<ScarCell> Cells, string Settings) : ExperimentResult(Experiment)
{
    /// <summary>"eyecod 16.67 ms: slack 3.2 ms" or "…: miss by 4.1 ms" for every model of the cell.</summary>
    public static string Deadlines(ScarCell cell) => string.Join("; ", cell.Models.Select(m =>
        $"{m.Model} {Ms(m.DeadlineSeconds ?? double.NaN)}: " + (m.MeetsDeadline == true ? $"slack {Ms(m.SlackSeconds!.Value)}" : $"miss by {Ms(-m.SlackSeconds!.Value)}")));

    private static string Ms(double seconds) => (seconds * 1e3).ToString(seconds * 1e3 >= 100 ? "0" : seconds * 1e3 >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture) + " ms";

    /// <summary>Best heterogeneous EDP ÷ best homogeneous EDP in a scenario.</summary>
    public double EdpRatio(int scenario) => ScarCells.EdpRatio(Cells.Where(c => c.Scenario == scenario));

    public override ResultTable ToTable()
    {
        bool scar = Setting == ExperimentSetting.Scar;
        return new(
            scar ? "SCAR AR/VR scenarios as SCAR ran them: one second of frames per model (batch = fps), EDP"
                : "SCAR AR/VR scenarios: one frame per model against its XRBench frame-rate deadline (1/fps)",
            "256-PE chiplets, 3×3 packages. Latency = simulated makespan; a model's latency runs from time zero to its last layer's end; " +
            (scar ? "slack = 1 s − the latency of its fps frames (the scheduler does not see it). "
                : "slack = 1/fps − latency (a miss is a negative slack). SCAR gets the deadlines as latency limits and meets them first when any candidate can. ") +
            "EDP ratio: best heterogeneous ÷ best homogeneous EDP of the scenario.",
            [
                new("scenario", ValueKind.Text), new("package", ValueKind.Text), new("strategy", ValueKind.Text), new("latency", ValueKind.Seconds),
                new("energy", ValueKind.Joules), new("EDP", ValueKind.JouleSeconds), new("EDP het / homog.", ValueKind.Ratio),
                new("deadlines met", ValueKind.Text), new(scar ? "per model: 1 s → slack or miss" : "per model: 1/fps → slack or miss", ValueKind.Text),
            ],
            [
                .. Cells.Select(c => c.Reason is { } reason
                    ? ImmutableArray.Create<ResultValue>($"{c.Scenario}", c.Layout, c.Strategy, ScarCells.Infeasible(reason), "—", "—", "—", "—", "—")
                    : ImmutableArray.Create<ResultValue>($"{c.Scenario}: {ScarScenarios.Get(c.Scenario).Domain}", c.Layout, c.Strategy,
                        c.LatencySeconds, c.EnergyJ, c.Edp, EdpRatio(c.Scenario), $"{c.Models.Count(m => m.MeetsDeadline == true)}/{c.Models.Length}", Deadlines(c))),
            ],
            [$"{Settings}; {Cells.Sum(c => c.Simulations)} schedules simulated in all."]);
    }
}
