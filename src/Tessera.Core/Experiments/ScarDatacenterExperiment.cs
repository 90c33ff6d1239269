using System.Collections.Immutable;
using Tessera.Reports;
using Tessera.Search.Scar;

namespace Tessera.Experiments;

/// <summary>
/// SCAR's datacenter evaluation (Odema et al., MICRO 2024), scenarios 1–5: the heterogeneous 3×3 packages Het-Sides
/// and Het-CB scheduled by SCAR (latency and EDP objectives) against the homogeneous WS and OS packages under the
/// Standalone baseline, SCAR's Simba baseline (the SCAR scheduler on the homogeneous package) and a fixed Simba-like
/// rule; scenario 4 also on the 6×6 Het-Cross package (with the 6×6 homogeneous Simba baselines beside it). Every cell
/// is simulated, under Tessera's setting or SCAR's (<see cref="ScarRunSettings"/>).
/// </summary>
public sealed class ScarDatacenterExperiment : IExperiment
{
    public string Name => "scar-datacenter";

    public string Description => "SCAR scenarios 1–5 (datacenter): Het-Sides and Het-CB under SCAR vs homogeneous WS/OS under Standalone, Simba (SCAR) and a fixed Simba rule; scenario 4 also on 6×6 Het-Cross";

    public ImmutableArray<ExperimentSetting> Settings => [ExperimentSetting.Tessera, ExperimentSetting.Scar];

    public bool Pipelines => true;

    /// <summary>The scenario that also runs on the 6×6 packages (SCAR evaluates Het-Cross on it).</summary>
    public const int LargeScenario = 4;

    public static ImmutableArray<ScarConfiguration> Configurations { get; } =
    [
        .. ScarCells.ThreeByThree(""),
        new("scar-6x6-het-cross", "6×6 Het-Cross", ScarStrategy.ScarLatency, [LargeScenario]),
        new("scar-6x6-het-cross", "6×6 Het-Cross", ScarStrategy.ScarEdp, [LargeScenario]),
        new("scar-6x6-ws", "6×6 WS", ScarStrategy.Simba, [LargeScenario]),
        new("scar-6x6-ws", "6×6 WS", ScarStrategy.SimbaFixed, [LargeScenario]),
        new("scar-6x6-os", "6×6 OS", ScarStrategy.Simba, [LargeScenario]),
        new("scar-6x6-os", "6×6 OS", ScarStrategy.SimbaFixed, [LargeScenario]),
    ];

    /// <summary>
    /// The full run uses SCAR's own settings (ScarOptions defaults: 4 splits, top-k 3, proportional provisioning,
    /// population 10 × 4 generations on 6×6). The reduced run (tests) is scenario 1 with one window and top-k 1.
    /// </summary>
    public static ScarOptions Options(bool reduced) => reduced ? new ScarOptions(Splits: 0, TopK: 1) : new ScarOptions();

    public static ImmutableArray<ScarScenario> Scenarios(bool reduced) => reduced ? [ScarScenarios.Get(1)] : ScarScenarios.Datacenter;

    public ExperimentResult Run(ExperimentOptions options, IProgress<double>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Check(this);
        var scenarios = Scenarios(options.Reduced);
        var settings = new ScarRunSettings(Options(options.Reduced), options.CostModel, options.Setting, options.MiniBatchSize);
        ImmutableArray<ScarConfiguration> configurations = [.. Configurations.Select(c => c with { Package = settings.Package(c.Package) })];
        var cells = ScarCells.RunAll(scenarios, configurations, settings, options.Jobs, progress, cancellation);
        return new ScarDatacenterResult(Name, [.. scenarios.Select(s => s.Number)], configurations, cells, settings.Describe())
        { CostModel = options.CostModel, Setting = options.Setting };
    }
}

/// <summary>The cells of scar-datacenter; the table has a row per scenario and a latency and EDP column per configuration.</summary>
public sealed record ScarDatacenterResult(string Experiment, ImmutableArray<int> ScenarioNumbers, ImmutableArray<ScarConfiguration> Configurations,
    ImmutableArray<ScarCell> Cells, string Settings) : ExperimentResult(Experiment)
{
    /// <summary>
    /// Best heterogeneous (SCAR) EDP / best homogeneous baseline EDP on the packages of one size (3×3 or 6×6); NaN when
    /// a side has no feasible cell.
    /// </summary>
    public double EdpRatio(int scenario, bool large) =>
        ScarCells.EdpRatio(Cells.Where(c => c.Scenario == scenario && c.Package.Contains("6x6", StringComparison.Ordinal) == large));

    public ScarCell? Cell(int scenario, ScarConfiguration configuration) =>
        Cells.FirstOrDefault(c => c.Scenario == scenario && c.Package == configuration.Package && c.Strategy == configuration.StrategyName);

    public override ResultTable ToTable()
    {
        var columns = ImmutableArray.CreateBuilder<ResultColumn>();
        columns.Add(new("scenario", ValueKind.Text));
        foreach (var c in Configurations)
        {
            columns.Add(new($"{c.Label} latency", ValueKind.Seconds));
            columns.Add(new($"{c.Label} EDP", ValueKind.JouleSeconds));
        }
        columns.Add(new("EDP best het / best homog. 3×3", ValueKind.Ratio));
        columns.Add(new("EDP best het / best homog. 6×6", ValueKind.Ratio));
        var rows = ScenarioNumbers.Select(n =>
        {
            var row = ImmutableArray.CreateBuilder<ResultValue>();
            var scenario = ScarScenarios.Get(n);
            row.Add($"{n}: {string.Join(", ", scenario.Models.Select(m => $"{m.Model} ({m.Batch})"))}");
            foreach (var c in Configurations)
            {
                var cell = Cell(n, c);
                if (cell is null) { row.Add(c.Runs(n) ? "not run" : $"scenario {string.Join(", ", c.Scenarios)} only"); row.Add("—"); }
                else if (cell.Reason is { } reason) { row.Add(ScarCells.Infeasible(reason)); row.Add("—"); }
                else { row.Add(cell.LatencySeconds); row.Add(cell.Edp); }
            }
            foreach (var ratio in (ReadOnlySpan<double>)[EdpRatio(n, large: false), EdpRatio(n, large: true)])
                row.Add(double.IsNaN(ratio) ? "—" : ratio);
            return row.ToImmutable();
        });
        return new ResultTable(
            $"SCAR datacenter scenarios: heterogeneous packages under SCAR vs homogeneous packages under SCAR's baselines ({(Setting == ExperimentSetting.Scar ? "SCAR's" : "Tessera's")} setting)",
            "Latency = simulated makespan; EDP = energy × latency. Language models at sequence length 128; batches in parentheses. " +
            "Ratio < 1: the best heterogeneous SCAR schedule beats every homogeneous baseline of that package size in EDP (SCAR reports < 1). " +
            "Simba = the SCAR scheduler restricted to the homogeneous package; Simba fixed = chiplets by MACs, segments balanced by compute, one window.",
            columns.ToImmutable(), [.. rows],
            [
                "Het-Sides: WS side columns (the DRAM owners), OS middle column; Het-CB: checkerboard; 6×6 Het-Cross: OS middle rows and columns, WS corners.",
                $"{Settings}; {Cells.Sum(c => c.Simulations)} schedules simulated in all.",
            ]);
    }
}
