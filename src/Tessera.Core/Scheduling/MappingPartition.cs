using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Interop.Stream;
using Tessera.Workloads;

namespace Tessera.Scheduling;

/// <summary>
/// How a Stream mapping runs under the partition a user asked for. Stream takes the mode (layer by layer or fused)
/// as an argument beside the mapping; here an explicit mode decides, and only without one does the mapping's tiling
/// choose (fused when it tiles an operator). The mapping always supplies the allowed cores.
/// </summary>
public static class MappingPartition
{
    /// <summary>
    /// The partition options for <paramref name="mapping"/> when <paramref name="requested"/> was asked for (null:
    /// nothing asked), with notes saying what was decided. Layer by layer runs every operator whole on one of its
    /// allowed cores, so a mapping that splits an operator over cores is refused for it, as are the pipelined and
    /// tensor-parallel modes, which take no mapping. <paramref name="searched"/>: an allocation search picks the cores.
    /// </summary>
    public static (PartitionOptions Options, ImmutableArray<string> Notes) Resolve(PartitionMode? requested, PartitionOptions options,
        StreamMapping mapping, IReadOnlyList<ModelInstance> models, bool searched)
    {
        string file = Path.GetFileName(mapping.Source);
        var tiled = models.Select(m => (Model: m, Tiles: mapping.Tile(m.Graph))).ToList();
        var cut = models.SelectMany(m => m.Graph.Operators.Where(op => !mapping.Tiling(m.Graph, op).Splits.IsEmpty)).ToList();
        var mode = requested ?? (cut.Count == 0 ? PartitionMode.LayerByLayer : PartitionMode.Fused);
        if (mode is PartitionMode.Pipelined or PartitionMode.TensorParallel)
            throw TesseraInputException.At(mapping.Source, $"partition {Partitioners.Spelling(mode)} does not take a Stream mapping; " +
                "expected lbl (each layer whole on one of its allowed cores) or fused (the mapping's tiles)");
        var notes = ImmutableArray.CreateBuilder<string>();
        if (mode == PartitionMode.LayerByLayer)
        {
            foreach (var (model, tiles) in tiled)
                foreach (var op in model.Graph.Operators)
                {
                    var cores = tiles.TilesOf(op.Name).Select(t => mapping.CoreOf(model.Graph, t)).OfType<string>().Distinct().ToList();
                    if (cores.Count > 1)
                        throw TesseraInputException.At(mapping.RuleFor(op)!.Where, $"partition lbl runs each layer whole on one core, " +
                            $"but the mapping splits {op.Name} over cores {string.Join(", ", cores)}; expected partition fused to run the split");
                }
            notes.Add($"mapping {file}: partition lbl" + (cut.Count == 0 ? " (no operator is tiled)"
                : requested is null ? "" : $"; its intra_core_tiling of {cut.Count} operator(s) is not used: each layer runs whole, one after another"));
        }
        else
            notes.Add($"mapping {file}: partition fused with the mapping's tilings" + (requested is null ? " (it tiles operators; partition lbl runs them whole)" : ""));
        int free = tiled.Sum(x => x.Model.Graph.Operators.Count(op => x.Tiles.TilesOf(op.Name).Any(t => mapping.CoreOf(x.Model.Graph, t) is null)));
        if (free > 0 && !searched)
            notes.Add($"allocation: {free} operator(s) may run on several cores without an inter-core split; each runs on the " +
                "core where it finishes first (greedy earliest-finish among its allowed cores); schedulers ga and exact search this choice");
        return (options with { Mode = mode, Mapping = mapping, Tiling = null }, notes.ToImmutable());
    }
}
