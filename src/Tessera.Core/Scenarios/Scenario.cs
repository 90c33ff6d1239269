using System.Collections.Immutable;
using Tessera.Scheduling;
using Tessera.Workloads.Zoo;

namespace Tessera.Scenarios;

/// <summary>
/// One model of a scenario: a zoo name or an .onnx path, its batch and, for transformers, phase and lengths.
/// </summary>
public sealed record ModelRequest(string Source, int Batch = 1, TransformerPhase Phase = TransformerPhase.Prefill,
    int SequenceLength = 128, int ContextLength = 1024, string? Label = null)
{
    public string DisplayName => Label ?? (IsOnnxPath || Path.HasExtension(Source) ? Path.GetFileNameWithoutExtension(Source) : Source);

    public bool IsOnnxPath => Source.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// A set of models to run together on one piece of hardware (a preset name or a file path), and how to
/// partition them into tasks (mini-batches for pipelining, ways for tensor parallelism).
/// </summary>
public sealed record Scenario(string Name, string Hardware, ImmutableArray<ModelRequest> Models, int Bits = 8)
{
    public PartitionMode Partition { get; init; } = PartitionMode.LayerByLayer;

    public int MiniBatches { get; init; } = 1;

    public int TensorParallelWays { get; init; } = 2;

    /// <summary>Fused tiling of every operator in Stream's string form ("OY, all; K, 4"); null for the default.</summary>
    public string? Tiling { get; init; }

    /// <summary>A Stream mapping file (needs Stream hardware): its tilings and allocations decide the partition.</summary>
    public string? Mapping { get; init; }

    /// <summary>What `tessera run` evaluates without arguments: a CNN and a language model on SCAR's 3×3 package.</summary>
    public static Scenario Default { get; } = new("default", "scar-3x3-het",
        [new ModelRequest("resnet50"), new ModelRequest("gpt2-small", SequenceLength: 128)]);
}
