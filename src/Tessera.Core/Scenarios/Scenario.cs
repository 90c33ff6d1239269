using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Hardware;
using Tessera.Scheduling;
using Tessera.Scoring;
using Tessera.Search;
using Tessera.Workloads.Zoo;

namespace Tessera.Scenarios;

/// <summary>
/// One model of a scenario: a zoo name or an .onnx path, its batch and, for transformers, phase and lengths.
/// <see cref="MiniBatchSize"/> (pipelined only) is the whole samples a chiplet processes at a time, SCAR's b′ ≤ b.
/// </summary>
public sealed record ModelRequest(string Source, int Batch = 1, TransformerPhase Phase = TransformerPhase.Prefill,
    int SequenceLength = 128, int ContextLength = 1024, string? Label = null)
{
    public int? MiniBatchSize { get; init; }

    public string DisplayName => Label ?? (IsOnnxPath || Path.HasExtension(Source) ? Path.GetFileNameWithoutExtension(Source) : Source);

    public bool IsOnnxPath => Source.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// How a scenario is scheduled: the scheduler and its options, the objective (null: the scheduler's own), the
/// operator cost model and whether the simulator resolves contention.
/// </summary>
public sealed record ScheduleSpec
{
    public string Scheduler { get; init; } = Schedulers.Default;

    public Objective? Objective { get; init; }

    public string CostModel { get; init; } = CostModels.Default;

    public bool Contention { get; init; } = true;

    /// <summary>The scheduler's option values by option name, with where each was given.</summary>
    public ImmutableDictionary<string, SettingValue> Options { get; init; } = ImmutableDictionary<string, SettingValue>.Empty.WithComparers(StringComparer.Ordinal);
}

/// <summary>
/// A set of models to run together on one piece of hardware (a preset name or a file path), how to partition them into
/// tasks and how to schedule them. A partition setting left null is the scheduler's own choice; one that is set but
/// does not apply to the run is refused. <see cref="Origins"/> says where each setting was given ("--minibatch",
/// "run.yaml:4:1"), so refusals name it.
/// </summary>
public sealed record Scenario(string Name, string Hardware, ImmutableArray<ModelRequest> Models, int Bits = 8)
{
    /// <summary>lbl, fused, pipelined or tp; null for the scheduler's first partition (or the Stream mapping's).</summary>
    public PartitionMode? Partition { get; init; }

    /// <summary>
    /// Mini-batches each model's batch is split into (pipelined only; a batch-1 model along its tokens or rows); null for
    /// one. <see cref="ModelRequest.MiniBatchSize"/> cuts a model into whole samples instead; a scenario gives one or the other.
    /// </summary>
    public int? MiniBatches { get; init; }

    /// <summary>
    /// Cores each layer is split over (tp and system only); null for <see cref="Partitioners.DefaultTensorParallelWays"/> (tp)
    /// or every core of a package (system).
    /// </summary>
    public int? TensorParallelWays { get; init; }

    /// <summary>Packages each replica's pipeline spans (system only); null for the packages ÷ the replicas.</summary>
    public int? PipelineStages { get; init; }

    /// <summary>Replicas of every model on separate packages, each with its share of the batch (system only); null for one.</summary>
    public int? DataParallel { get; init; }

    /// <summary>Fused tiling of every operator in Stream's string form ("OY, all; K, 4"); null for the default.</summary>
    public string? Tiling { get; init; }

    /// <summary>A Stream mapping file (needs Stream hardware): its tilings and allocations decide the partition.</summary>
    public string? Mapping { get; init; }

    public ScheduleSpec Schedule { get; init; } = new();

    /// <summary>Changes to the loaded hardware (a sweep's array, buffer, bandwidth and memory-type axes); none by default.</summary>
    public PackageOverrides HardwareOverrides { get; init; } = PackageOverrides.None;

    /// <summary>Where each setting was given, by its scenario key (partition, minibatch, minibatch_size, tp, pp, dp, tile, mapping, scheduler, objective, cost_model).</summary>
    public ImmutableDictionary<string, string> Origins { get; init; } = ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The file the scenario was read from; null for one built in code or from flags.</summary>
    public string? Source { get; init; }

    /// <summary>The files a run of this scenario reads: the scenario file, hardware, model and mapping files.</summary>
    public IEnumerable<string> InputFiles() =>
        new[] { Source, Hardware, Mapping }.Concat(Models.Select(m => m.Source)).OfType<string>().Where(File.Exists);

    /// <summary>Where a setting was given, or null.</summary>
    public string? Origin(string key) => Origins.TryGetValue(key, out var o) ? o : null;

    /// <summary>The scenario with a setting's origin recorded.</summary>
    public Scenario From(string key, string origin) => this with { Origins = Origins.SetItem(key, origin) };

    /// <summary>What `tessera run` evaluates without arguments: a CNN and a language model on SCAR's 3×3 package.</summary>
    public static Scenario Default { get; } = new("default", "scar-3x3-het",
        [new ModelRequest("resnet50"), new ModelRequest("gpt2-small", SequenceLength: 128)]);
}
