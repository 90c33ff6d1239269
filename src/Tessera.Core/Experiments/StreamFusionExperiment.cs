using System.Collections.Immutable;
using Tessera.Reports;
using Tessera.Scenarios;
using Tessera.Scheduling;

namespace Tessera.Experiments;

/// <summary>
/// Stream's central comparison (Symons et al., "Stream: Design Space Exploration of Layer-Fused DNNs on
/// Heterogeneous Dataflow Accelerators", arXiv 2212.10612): layer by layer against layer fusion, on Stream's
/// example accelerators, for ResNet-18 and FSRCNN. Every configuration is one <see cref="ScenarioRunner"/> run (greedy scheduler).
/// </summary>
public sealed class StreamFusionExperiment : IExperiment
{
    public string Name => "stream-fusion";

    public string Description => "layer by layer vs layer fusion (Stream) for ResNet-18 and FSRCNN on Stream's quad-core TPU-like and tutorial three-core accelerators";

    /// <summary>A workload (ONNX file under shared/data) on a hardware file, under several partitions.</summary>
    private sealed record Case(string Workload, string[] WorkloadPath, string Hardware, string[] HardwarePath, ImmutableArray<Partition> Partitions);

    /// <summary>lbl, or fused with a Stream tiling string.</summary>
    public sealed record Partition(PartitionMode Mode, string? Tiling)
    {
        public string Label => Mode == PartitionMode.LayerByLayer ? "lbl" : $"fused {Tiling}";
    }

    private static readonly Partition LayerByLayer = new(PartitionMode.LayerByLayer, null);
    private static readonly Partition Rows = new(PartitionMode.Fused, "OY, all");
    // Quarter rows: smaller tiles, the same rows live (docs/experiments.md).
    private static readonly Partition QuarterRows = new(PartitionMode.Fused, "OY, all; OX, 4");

    private static readonly string[] Resnet18 = ["data", "onnx", "resnet18.onnx"];
    private static readonly string[] Fsrcnn = ["data", "onnx", "fsrcnn.onnx"];
    private static readonly string[] QuadCore = ["data", "stream", "hardware", "tpu_like_quad_core.yaml"];
    private static readonly string[] TutorialBus = ["data", "stream-tutorial", "lab1", "hardware", "hda_bus.yaml"];

    private static ImmutableArray<Case> Cases(bool reduced)
    {
        ImmutableArray<Partition> all = [LayerByLayer, Rows, QuarterRows];
        return reduced
            ? [new("fsrcnn", Fsrcnn, "tpu_like_quad_core", QuadCore, [LayerByLayer, Rows])]
            :
            [
                new("resnet18", Resnet18, "tpu_like_quad_core", QuadCore, all),
                new("fsrcnn", Fsrcnn, "tpu_like_quad_core", QuadCore, all),
                new("resnet18", Resnet18, "hda_bus", TutorialBus, all),
                new("fsrcnn", Fsrcnn, "hda_bus", TutorialBus, all),
            ];
    }

    public ExperimentResult Run(ExperimentOptions options, IProgress<double>? progress, CancellationToken cancellation)
    {
        var cases = Cases(options.Reduced);
        int total = cases.Sum(c => c.Partitions.Length), done = 0;
        var rows = ImmutableArray.CreateBuilder<StreamFusionRow>();
        var runner = new ScenarioRunner();
        foreach (var c in cases)
        {
            var workload = options.SharedFile(Name, c.WorkloadPath);
            var hardware = options.SharedFile(Name, c.HardwarePath);
            StreamFusionRow? baseline = null;
            foreach (var p in c.Partitions)
            {
                cancellation.ThrowIfCancellationRequested();
                var scenario = new Scenario($"{c.Workload}-{p.Label}", hardware, [new ModelRequest(workload)])
                { Partition = p.Mode, Tiling = p.Tiling, Schedule = new ScheduleSpec { CostModel = options.CostModel } };
                var e = runner.Run(scenario, cancellation: cancellation).Require();
                var row = new StreamFusionRow(c.Workload, c.Hardware, p.Label, e.Tasks, e.LatencySeconds, e.Energy.TotalJ, e.Edp,
                    e.DramBytes, e.SpilledBytes, 1, 1, 1, 1);
                baseline ??= row;
                rows.Add(row with
                {
                    LatencyRatio = row.LatencySeconds / baseline.LatencySeconds,
                    EnergyRatio = row.EnergyJ / baseline.EnergyJ,
                    EdpRatio = row.Edp / baseline.Edp,
                    DramRatio = row.DramBytes / baseline.DramBytes,
                });
                progress?.Report(++done / (double)total);
            }
        }
        return new StreamFusionResult(Name, rows.ToImmutable()) { CostModel = options.CostModel };
    }
}

/// <summary>One (workload, hardware, partition) run; ratios are against layer by layer on the same pair.</summary>
public sealed record StreamFusionRow(string Workload, string Hardware, string Partition, int Tasks, double LatencySeconds,
    double EnergyJ, double Edp, double DramBytes, long SpilledBytes, double LatencyRatio, double EnergyRatio, double EdpRatio, double DramRatio);

/// <summary>The stream-fusion table.</summary>
public sealed record StreamFusionResult(string Experiment, ImmutableArray<StreamFusionRow> Rows) : ExperimentResult(Experiment)
{
    public override ResultTable ToTable() => new(
        "Layer by layer vs layer fusion (Stream)",
        $"Cost model {CostModel}, contention on, greedy earliest-finish core per layer; × = this row / layer by layer on the same " +
        "workload and hardware (below 1: fusion wins). Spilled: tile data that did not fit on chip (evicted to DRAM, or the excess of a new tile).",
        [
            new("workload", ValueKind.Text), new("hardware", ValueKind.Text), new("partition", ValueKind.Text), new("tasks", ValueKind.Count),
            new("latency", ValueKind.Seconds), new("energy", ValueKind.Joules), new("EDP", ValueKind.JouleSeconds),
            new("DRAM", ValueKind.Bytes), new("spilled", ValueKind.Bytes),
            new("latency ×", ValueKind.Ratio), new("energy ×", ValueKind.Ratio), new("EDP ×", ValueKind.Ratio), new("DRAM ×", ValueKind.Ratio),
        ],
        [
            .. Rows.Select(r => ImmutableArray.Create<ResultValue>(r.Workload, r.Hardware, r.Partition, r.Tasks, r.LatencySeconds, r.EnergyJ,
                r.Edp, r.DramBytes, r.SpilledBytes, r.LatencyRatio, r.EnergyRatio, r.EdpRatio, r.DramRatio)),
        ],
        []);
}
