using System.Collections.Immutable;
using Tessera.Search.Scar;
using Tessera.Reports;

namespace Tessera.Experiments;

/// <summary>
/// SCAR's datacenter evaluation (Odema et al., MICRO 2024), scenarios 1–5: the heterogeneous 3×3 packages Het-Sides
/// and Het-CB scheduled by SCAR (latency and EDP objectives) against the homogeneous WS and OS packages under the
/// Standalone and Simba-like baselines; scenario 4 also on the 6×6 Het-Cross package (with 6×6 homogeneous
/// Simba-like baselines beside it). Every cell is simulated.
/// </summary>
public sealed class ScarDatacenterExperiment : IExperiment
{
    public string Name => "scar-datacenter";

    public string Description => "SCAR scenarios 1–5 (datacenter): Het-Sides and Het-CB under SCAR vs homogeneous WS/OS under Standalone and Simba-like; scenario 4 also on 6×6 Het-Cross";

    /// <summary>The scenario that also runs on the 6×6 packages (SCAR evaluates Het-Cross on it).</summary>
    public const int LargeScenario = 4;

    public static ImmutableArray<ScarConfiguration> Configurations { get; } =
    [
        .. ScarCells.ThreeByThree(""),
        new("scar-6x6-het-cross", "6×6 Het-Cross", ScarStrategy.ScarLatency, [LargeScenario]),
        new("scar-6x6-het-cross", "6×6 Het-Cross", ScarStrategy.ScarEdp, [LargeScenario]),
        new("scar-6x6-ws", "6×6 WS", ScarStrategy.SimbaLike, [LargeScenario]),
        new("scar-6x6-os", "6×6 OS", ScarStrategy.SimbaLike, [LargeScenario]),
    ];

    /// <summary>
    /// The full run uses SCAR's own settings (ScarOptions defaults: 4 splits, top-k 3, proportional provisioning,
    /// population 10 × 4 generations on 6×6). The reduced run (tests) is scenario 1 with one window and top-k 1.
    /// </summary>
    public static ScarOptions Options(bool reduced) => reduced ? new ScarOptions(Splits: 0, TopK: 1) : new ScarOptions();

    /// <summary>The settings that shape the search, for the table's notes.</summary>
    public static string Describe(ScarOptions o) =>
        $"{o.Splits} splits ({o.Splits + 1} window{(o.Splits == 0 ? "" : "s")}), top-k {o.TopK}, {o.Provisioning.ToString().ToLowerInvariant()} provisioning, " +
        $"{o.MiniBatches} mini-batch{(o.MiniBatches == 1 ? "" : "es")}, evolutionary placement above {o.ExhaustiveChiplets} chiplets (population {o.Population}, {o.Generations} generations)";

    public static ImmutableArray<ScarScenario> Scenarios(bool reduced) => reduced ? [ScarScenarios.Get(1)] : ScarScenarios.Datacenter;

    public ExperimentResult Run(ExperimentOptions options, IProgress<double>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        var scenarios = Scenarios(options.Reduced);
        var scar = Options(options.Reduced);
        var cells = ScarCells.RunAll(scenarios, Configurations, scar, options.CostModel, progress, cancellation);
        return new ScarDatacenterResult(Name, [.. scenarios.Select(s => s.Number)], Configurations, cells, Describe(scar)) { CostModel = options.CostModel };
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
    public double EdpRatio(int scenario, bool large)
    {
        var mine = Cells.Where(c => c.Scenario == scenario && c.Feasible && c.Package.Contains("6x6", StringComparison.Ordinal) == large).ToList();
        var het = mine.Where(c => c.Strategy.StartsWith("SCAR", StringComparison.Ordinal)).Select(c => c.Edp).DefaultIfEmpty(double.NaN).Min();
        var homogeneous = mine.Where(c => !c.Strategy.StartsWith("SCAR", StringComparison.Ordinal)).Select(c => c.Edp).DefaultIfEmpty(double.NaN).Min();
        return het / homogeneous;
    }

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
            "SCAR datacenter scenarios: heterogeneous packages under SCAR vs homogeneous packages under SCAR's baselines",
            "Latency = simulated makespan; EDP = energy × latency. Language models at sequence length 128; batches in parentheses. " +
            "Ratio < 1: the best heterogeneous SCAR schedule beats every homogeneous baseline of that package size in EDP (SCAR reports < 1).",
            columns.ToImmutable(), [.. rows],
            [
                "Het-Sides: WS side columns (the DRAM owners), OS middle column; Het-CB: checkerboard; 6×6 Het-Cross: OS middle rows and columns, WS corners.",
                $"SCAR settings: {Settings}; {Cells.Sum(c => c.Simulations)} schedules simulated in all.",
            ]);
    }
}
