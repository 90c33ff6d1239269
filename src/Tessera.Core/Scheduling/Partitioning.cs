using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Interop.Stream;
using Tessera.Workloads;
using Tessera.Workloads.Tiling;

namespace Tessera.Scheduling;

/// <summary>
/// How to partition a scenario into tasks. <see cref="MiniBatches"/> splits each model's batch for pipelining;
/// <see cref="TensorParallelWays"/> is the number of cores each layer is split over (null: <see cref="Partitioners.DefaultTensorParallelWays"/>
/// for tp, every core of a package for system); <see cref="PipelineStages"/> and <see cref="DataParallel"/> spread a
/// system partition over packages (<see cref="SystemPartitioner"/>); <see cref="Allocation"/>
/// fixes the core of operators by (model label, operator name) — the rest are placed greedily (layer by layer and
/// fused, where a fixed layer keeps all its tiles on that core unless the Stream mapping fixes a tile's core);
/// <see cref="Segments"/> fixes a pipelined model's segments by model label — the rest are cut automatically;
/// <see cref="Tiling"/> is the fused tiling of every operator (default <see cref="FusedPartitioner.DefaultTiling"/>);
/// <see cref="Mapping"/> is a Stream mapping: per-operator tilings and allocations (fused), or allowed cores (lbl).
/// </summary>
public sealed record PartitionOptions(
    PartitionMode Mode = PartitionMode.LayerByLayer,
    int MiniBatches = 1,
    int? TensorParallelWays = null,
    ImmutableDictionary<(string Model, string Operator), CoreRef>? Allocation = null,
    ImmutableDictionary<string, ImmutableArray<PipelineSegment>>? Segments = null,
    TilingSpec? Tiling = null,
    StreamMapping? Mapping = null)
{
    /// <summary>Packages each replica's pipeline spans (system only); null: the packages ÷ the replicas.</summary>
    public int? PipelineStages { get; init; }

    /// <summary>Replicas of every model, each on its own packages with its share of the batch (system only).</summary>
    public int DataParallel { get; init; } = 1;
}

/// <summary>Builds a task graph from models on a package. Layer fusion plugs in as another implementation.</summary>
public interface IPartitioner
{
    TaskGraph Partition(Package package, IReadOnlyList<ModelInstance> models);
}

/// <summary>The partitioner of each mode.</summary>
public static class Partitioners
{
    /// <summary>Cores a tp partition splits each layer over when the run does not say.</summary>
    public const int DefaultTensorParallelWays = 2;

    public static IPartitioner Create(PartitionOptions options, IOperatorCostModel costModel)
    {
        if (options.MiniBatches <= 0)
            throw new TesseraInputException($"mini-batches {options.MiniBatches}; expected a positive count");
        if (options.TensorParallelWays <= 0 || options.PipelineStages <= 0 || options.DataParallel <= 0)
            throw new TesseraInputException($"tp {options.TensorParallelWays}, pp {options.PipelineStages}, dp {options.DataParallel}; expected positive counts");
        return options.Mode switch
        {
            PartitionMode.LayerByLayer => new LayerByLayerPartitioner(costModel, options.Allocation,
                options.Mapping is { } mapping ? (_, op) => [.. mapping.AllowedCores(op).Select(c => new CoreRef(c, 0))] : null),
            PartitionMode.Pipelined => new PipelinedPartitioner(costModel, options.MiniBatches, options.Segments),
            PartitionMode.TensorParallel => new TensorParallelPartitioner(options.TensorParallelWays ?? DefaultTensorParallelWays, costModel),
            PartitionMode.System => new SystemPartitioner(options.TensorParallelWays, options.PipelineStages, options.DataParallel, options.MiniBatches),
            PartitionMode.Fused => new FusedPartitioner(costModel, options.Tiling, options.Mapping, options.Allocation),
            _ => throw new TesseraInputException($"unknown partition mode {options.Mode}"),
        };
    }

    /// <summary>Parses the CLI/YAML spelling: lbl, fused, pipelined, tp, system (or the enum names).</summary>
    public static PartitionMode ParseMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "lbl" or "layerbylayer" or "layer-by-layer" => PartitionMode.LayerByLayer,
        "fused" => PartitionMode.Fused,
        "pipelined" or "pipeline" => PartitionMode.Pipelined,
        "tp" or "tensorparallel" or "tensor-parallel" => PartitionMode.TensorParallel,
        "system" => PartitionMode.System,
        _ => throw new TesseraInputException($"partition '{text}'; expected lbl, fused, pipelined, tp or system"),
    };

    public static string Spelling(PartitionMode mode) => mode switch
    {
        PartitionMode.LayerByLayer => "lbl",
        PartitionMode.Fused => "fused",
        PartitionMode.Pipelined => "pipelined",
        PartitionMode.System => "system",
        _ => "tp",
    };
}
