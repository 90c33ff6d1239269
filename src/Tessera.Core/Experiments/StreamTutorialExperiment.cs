using System.Collections.Immutable;
using Tessera.Reports;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Technology;

namespace Tessera.Experiments;

/// <summary>
/// Stream's tutorial labs (../shared/data/stream-tutorial, Stream's own files) run as each lab's README runs them, next
/// to the latency the README reports. Each lab runs under the loop-nest cost model (Tessera's default) and under the
/// roofline model, whose intra-core time is the ideal one at the array's spatial utilisation: the second isolates the
/// multi-core part (placement, transfers, memory) from the intra-core model.
/// </summary>
public sealed class StreamTutorialExperiment : IExperiment
{
    public string Name => "stream-tutorial";

    public string Description => "Stream's tutorial labs 1–3 (four convolutions on three heterogeneous cores) against the latencies their READMEs report";

    /// <summary>
    /// One lab configuration. <paramref name="ReadmeCycles"/>: the tutorial README's latency (anchor-goldens.md; written
    /// with an older Stream, within about 10 % of a current run).
    /// </summary>
    private sealed record Lab(int Number, PartitionMode Mode, string Partition, bool Search, double ReadmeCycles);

    private static readonly ImmutableArray<Lab> Labs =
    [
        new(1, PartitionMode.LayerByLayer, "lbl, allocation fixed by the mapping", false, 8.510e4),
        new(2, PartitionMode.Fused, "each layer's K split over cores 0–2 (whole-layer tiles)", false, 1.15e5),
        new(3, PartitionMode.Fused, "fused OY, all; greedy core per layer", false, 2.98e4),
        new(3, PartitionMode.Fused, "fused OY, all; NSGA-II allocation (latency)", true, 2.98e4),
    ];

    public ExperimentResult Run(ExperimentOptions options, IProgress<double>? progress, CancellationToken cancellation)
    {
        var labs = options.Reduced ? Labs[..3] : Labs;
        string[] models = options.Reduced ? ["roofline"] : ["loopnest", "roofline"];
        double hz = TechnologyLibrary.LoadDefault().Si("stream_import.default_frequency");
        var rows = ImmutableArray.CreateBuilder<StreamTutorialRow>();
        var runner = new ScenarioRunner();
        foreach (var lab in labs)
            foreach (var name in models)
            {
                cancellation.ThrowIfCancellationRequested();
                string File(params string[] parts) => options.SharedFile(Name, ["data", "stream-tutorial", $"lab{lab.Number}", .. parts]);
                var schedule = lab.Search ? new ScheduleSpec { Scheduler = "ga", Objective = Objective.Latency, CostModel = name } : new ScheduleSpec { CostModel = name };
                var scenario = new Scenario($"lab{lab.Number}", File("hardware", "hda_bus.yaml"), [new ModelRequest(File("workload", "4_convs.onnx"))])
                { Partition = lab.Mode, Mapping = File("mapping", "mapping.yaml"), Schedule = schedule };
                var e = runner.Run(scenario, cancellation: cancellation).Require();
                double cycles = e.LatencySeconds * hz;
                rows.Add(new StreamTutorialRow($"lab{lab.Number}", lab.Partition, name, cycles, e.Energy.TotalJ, lab.ReadmeCycles, cycles / lab.ReadmeCycles));
                progress?.Report(rows.Count / (double)(labs.Length * models.Length));
            }
        return new StreamTutorialResult(Name, rows.ToImmutable());
    }
}

/// <summary>One lab under one cost model: Tessera's cycles (at the importer's clock) and energy against the README's cycles.</summary>
public sealed record StreamTutorialRow(string Lab, string Partition, string CostModel, double Cycles, double EnergyJ, double ReadmeCycles,
    double Ratio);

/// <summary>The stream-tutorial table.</summary>
public sealed record StreamTutorialResult(string Experiment, ImmutableArray<StreamTutorialRow> Rows) : ExperimentResult(Experiment)
{
    public override ResultTable ToTable() => new(
        "Stream tutorial labs: Tessera against the README latencies",
        "Cycles = simulated makespan × the importer's 1 GHz clock; × = Tessera / README. The READMEs give no energy. " +
        "roofline: ideal intra-core time at the array's spatial utilisation, so its error is the multi-core model's.",
        [
            new("lab", ValueKind.Text), new("partition", ValueKind.Text), new("cost model", ValueKind.Text),
            new("cycles", ValueKind.Count), new("energy", ValueKind.Joules), new("README cycles", ValueKind.Count), new("× README", ValueKind.Ratio),
        ],
        [.. Rows.Select(r => ImmutableArray.Create<ResultValue>(r.Lab, r.Partition, r.CostModel, r.Cycles, r.EnergyJ, r.ReadmeCycles, r.Ratio))],
        []);
}
