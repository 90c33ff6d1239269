using System.Collections.Immutable;
using Tessera.Hardware;
using Tessera.Hardware.Presets;
using Tessera.Interop;
using Tessera.Reports;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Search.Scar;
using Tessera.Technology;

namespace Tessera.Experiments;

/// <summary>
/// The inter-layer scheduling paper's comparison (Odema, Kwon, Al Faruque, arXiv 2312.09401): GPT-2 and ResNet-50
/// on a 4-chiplet heterogeneous package (2 WS + 2 OS SCAR chiplets, 2×2 mesh) with inter-chiplet pipelining, against
/// one monolithic output-stationary accelerator with the same PEs, L2 and DRAM bandwidth running layer by layer.
/// The full run also schedules the heterogeneous package with SCAR (layers placed by dataflow over time windows, the
/// paper's own idea); the homogeneous 2×2 packages show what heterogeneity adds. Under SCAR's setting every chip is
/// fixed-function: the chiplets with MAESTRO's <c>kcp_ws</c> and <c>yxp_os</c>, the monolithic chip with the same
/// <c>yxp_os</c>, and SCAR cuts between MAC layers.
/// </summary>
public sealed class InterlayerExperiment : IExperiment
{
    public string Name => "interlayer";

    public string Description => "GPT-2 small and ResNet-50 on a 2×2 heterogeneous chiplet package (pipelined, and scheduled by SCAR) vs one monolithic output-stationary chip (layer by layer)";

    public ImmutableArray<ExperimentSetting> Settings => [ExperimentSetting.Tessera, ExperimentSetting.Scar];

    public bool Pipelines => true;

    /// <summary>
    /// Sequences per batch for GPT-2 and images for ResNet-50, pipelined in mini-batches of batch ÷ mini-batches whole
    /// samples; the paper gives no batch (an assumption, docs/experiments.md).
    /// </summary>
    public const int Batch = 8, MiniBatches = 4, ReducedBatch = 2, ReducedMiniBatches = 2, SequenceLength = 128;

    public const string Gpt2 = "gpt2-small", Resnet50 = "resnet50", Package = "scar-2x2-het";

    /// <summary>A hardware and its partition; <paramref name="Scar"/> schedules with the SCAR scheduler (objective latency) instead.</summary>
    private sealed record Configuration(string Hardware, PartitionMode Mode, bool Scar = false)
    {
        public string Label => Scar ? "SCAR (latency)" : Partitioners.Spelling(Mode);
    }

    public ExperimentResult Run(ExperimentOptions options, IProgress<double>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Check(this);
        bool scarSetting = options.Setting == ExperimentSetting.Scar;
        int batch = options.Reduced ? ReducedBatch : Batch;
        int samples = Math.Min(options.MiniBatchSize ?? batch / (options.Reduced ? ReducedMiniBatches : MiniBatches), batch);
        int miniBatches = (batch + samples - 1) / samples;
        ImmutableArray<(string Label, string[] Models)> workloads = options.Reduced
            ? [($"{Gpt2} + {Resnet50}", [Gpt2, Resnet50])]
            : [(Gpt2, [Gpt2]), (Resnet50, [Resnet50]), ($"{Gpt2} + {Resnet50}", [Gpt2, Resnet50])];
        ImmutableArray<Configuration> hardware = options.Reduced
            ? [new(HardwarePresets.Monolithic, PartitionMode.LayerByLayer), new(Package, PartitionMode.Pipelined)]
            :
            [
                new(HardwarePresets.Monolithic, PartitionMode.LayerByLayer), new(Package, PartitionMode.Pipelined),
                new(Package, PartitionMode.Pipelined, Scar: true),
                new("scar-2x2-ws", PartitionMode.Pipelined), new("scar-2x2-os", PartitionMode.Pipelined),
            ];
        var technology = TechnologyLibrary.LoadDefault();
        var runner = new ScenarioRunner(technology);
        if (scarSetting) hardware = [.. hardware.Select(h => h with { Hardware = HardwarePresets.Fixed(h.Hardware) })];
        var packages = hardware.Select(h => h.Hardware).Distinct().ToImmutableDictionary(h => h, h => HardwareLoader.Load(h, technology));
        var scar = new ScarOptions(Layers: scarSetting ? LayerView.Mac : LayerView.Operators);
        int total = workloads.Length * hardware.Length, done = 0;
        var rows = ImmutableArray.CreateBuilder<InterlayerRow>();
        foreach (var (label, models) in workloads)
        {
            InterlayerRow? monolithic = null;
            foreach (var h in hardware)
            {
                cancellation.ThrowIfCancellationRequested();
                bool pipelined = h.Mode == PartitionMode.Pipelined;
                var scenario = new Scenario($"{label} on {h.Hardware}", h.Hardware,
                    [.. models.Select(m => new ModelRequest(m, batch, SequenceLength: SequenceLength) { MiniBatchSize = pipelined ? samples : null })])
                { Partition = h.Mode, Schedule = new ScheduleSpec { CostModel = options.CostModel } };
                var (latency, energy, chiplets) = h.Scar ? RunScar(scenario, runner, packages[h.Hardware], scar, cancellation)
                    : RunPartition(scenario, runner, packages[h.Hardware], cancellation);
                int inferences = batch * models.Length;
                var row = new InterlayerRow(label, h.Hardware, h.Label, batch, pipelined ? miniBatches : 1,
                    ProcessingElements(packages[h.Hardware]), chiplets, latency, energy, inferences / latency, inferences / energy, 1, 1);
                monolithic ??= row;
                rows.Add(row with
                {
                    ThroughputGain = row.InferencesPerSecond / monolithic.InferencesPerSecond,
                    EfficiencyGain = row.InferencesPerJoule / monolithic.InferencesPerJoule,
                });
                progress?.Report(++done / (double)total);
            }
        }
        return new InterlayerResult(Name, rows.ToImmutable()) { CostModel = options.CostModel, Setting = options.Setting };
    }

    private static (double Latency, double Energy, string Chiplets) RunPartition(Scenario scenario, ScenarioRunner runner, Package package,
        CancellationToken cancellation)
    {
        var e = runner.Run(scenario, cancellation: cancellation).Require();
        return (e.LatencySeconds, e.Energy.TotalJ, Placement(e, package));
    }

    /// <summary>
    /// The inter-layer paper's own idea: layers placed on the chiplet whose dataflow suits them, regrouped over time
    /// windows, which is what SCAR (its successor) schedules; latency objective, since the paper reports throughput.
    /// </summary>
    private static (double Latency, double Energy, string Chiplets) RunScar(Scenario scenario, ScenarioRunner runner, Package package,
        ScarOptions options, CancellationToken cancellation)
    {
        var schedule = scenario.Schedule with { Scheduler = "scar", Objective = Objective.Latency, Options = ScarScheduler.Settings(options, "experiment") };
        var result = runner.Run(scenario with { Schedule = schedule }, cancellation: cancellation);
        result.Require();
        var r = (ScarReport)result.Search!;
        var designs = package.Chiplets.ToDictionary(c => c.Id, c => c.Design.Name, StringComparer.Ordinal);
        var used = r.Windows.SelectMany(w => w.Models).GroupBy(m => m.Model, StringComparer.Ordinal).Select(m =>
            $"{m.Key}: {string.Join(" ", m.SelectMany(p => p.Segments).Select(s => s.Chiplet).Distinct().Order(StringComparer.Ordinal).Select(c => $"{c} ({designs[c]})"))}");
        return (r.LatencySeconds, r.EnergyJ, $"{string.Join("; ", used)} over {r.Windows.Count} windows");
    }

    /// <summary>Which chiplets (and their designs) each model's operators ran on: "gpt2-small: c0_0 (scar-ws), …".</summary>
    private static string Placement(Evaluation.EvaluationResult e, Package package)
    {
        var designs = package.Chiplets.ToDictionary(c => c.Id, c => c.Design.Name, StringComparer.Ordinal);
        return string.Join("; ", e.Placements.GroupBy(p => p.Model, StringComparer.Ordinal).Select(m =>
            $"{m.Key}: {string.Join(" ", m.Select(p => p.Chiplet).Distinct().Order(StringComparer.Ordinal).Select(c => $"{c} ({designs[c]})"))}"));
    }

    /// <summary>Every PE of every core of every chiplet.</summary>
    public static long ProcessingElements(Package package) =>
        package.Chiplets.Sum(c => c.Design.Cores.Sum(core => core.Array.ProcessingElements));
}

/// <summary>One workload on one hardware; gains are against the monolithic chip on the same workload.</summary>
public sealed record InterlayerRow(string Workload, string Hardware, string Partition, int Batch, int MiniBatches, long ProcessingElements,
    string Chiplets, double LatencySeconds, double EnergyJ, double InferencesPerSecond, double InferencesPerJoule, double ThroughputGain, double EfficiencyGain);

/// <summary>The interlayer table.</summary>
public sealed record InterlayerResult(string Experiment, ImmutableArray<InterlayerRow> Rows) : ExperimentResult(Experiment)
{
    public override ResultTable ToTable() => new(
        "Heterogeneous chiplets with inter-layer pipelining vs one monolithic output-stationary chip",
        "Throughput = inferences (GPT-2: one 128-token prefill; ResNet-50: one 224×224 image) / makespan; efficiency = inferences / J; " +
        "× = against monolithic-os on the same workload. The paper's abstract claims up to 2.2× throughput and 1.9× energy efficiency.",
        [
            new("workload", ValueKind.Text), new("hardware", ValueKind.Text), new("partition", ValueKind.Text), new("batch", ValueKind.Count),
            new("mini-batches", ValueKind.Count), new("PEs", ValueKind.Count), new("latency", ValueKind.Seconds), new("energy", ValueKind.Joules),
            new("throughput (inferences/s)", ValueKind.PerSecond), new("efficiency (inferences/J)", ValueKind.PerJoule),
            new("throughput ×", ValueKind.Ratio), new("efficiency ×", ValueKind.Ratio), new("chiplets used", ValueKind.Text),
        ],
        [
            .. Rows.Select(r => ImmutableArray.Create<ResultValue>(r.Workload, r.Hardware, r.Partition, r.Batch, r.MiniBatches,
                r.ProcessingElements, r.LatencySeconds, r.EnergyJ, r.InferencesPerSecond, r.InferencesPerJoule, r.ThroughputGain, r.EfficiencyGain, r.Chiplets)),
        ],
        []);
}
