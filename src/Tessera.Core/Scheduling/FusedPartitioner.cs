using System.Collections.Immutable;
using Tessera.Costs;
using Tessera.Evaluation;
using Tessera.Hardware;
using Tessera.Interop.Stream;
using Tessera.Workloads;
using Tessera.Workloads.Tiling;

namespace Tessera.Scheduling;

/// <summary>
/// Layer fusion as Stream does it: every operator is cut into tiles (one tiling for all operators, or each
/// operator's tiling from a Stream mapping), and each tile becomes a compute task that keeps its output on chip.
/// A tile runs on the core a Stream mapping fixes for it; otherwise all tiles of a layer run on the core the
/// layer-by-layer greedy rule (earliest finish, among the mapping's allowed cores) picks for the whole layer, or on
/// the core an explicit allocation fixes for the layer (the genetic search's genome).
/// Exact tile dependencies become transfers between cores (direct dependencies on one core); weight slices are
/// read from DRAM once per core, model inputs per tile, and model outputs written back per tile. Tasks are
/// emitted depth first — of the ready tiles, the deepest layer's goes next — so a fused stack streams row by row
/// (Stream's "memory" priority); priorities are the emission order.
/// </summary>
public sealed class FusedPartitioner(IOperatorCostModel costModel, TilingSpec? tiling = null, StreamMapping? mapping = null,
    ImmutableDictionary<(string Model, string Operator), CoreRef>? allocation = null) : IPartitioner
{
    /// <summary>Convolutions by output rows, matrix products (and token streams) in 8 row blocks.</summary>
    public static TilingSpec DefaultTiling { get; } = TilingSpec.Parse("OY, all", "D, 8");

    public TilingSpec Tiling => tiling ?? DefaultTiling;

    public TaskGraph Partition(Package package, IReadOnlyList<ModelInstance> models)
    {
        var layerCores = new LayerByLayerPartitioner(costModel, allocation, allowedCores: mapping is null ? null : AllowedCores)
            .Place(package, models)
            .ToDictionary(p => (p.Model, p.Operator.Name), p => p.Core);
        var devices = package.Chiplets.ToDictionary(c => c.Id, c => MemoryPath.Nearest(package, c.Id).Device.Id, StringComparer.Ordinal);
        var builder = new TaskGraphBuilder(PartitionMode.Fused, models);
        for (int m = 0; m < models.Count; m++)
        {
            var model = models[m];
            var tiled = mapping?.Tile(model.Graph) ?? WorkloadTiler.Tile(model.Graph, Tiling);
            var cores = tiled.Tiles.Select(t => CoreOf(model.Graph, t) ?? layerCores[(m, t.Operator)]).ToArray();
            Emit(builder, model, tiled, cores, devices);
        }
        return builder.Build();
    }

    /// <summary>The core a Stream mapping fixes for a tile (Stream cores are one-core chiplets), or null.</summary>
    private CoreRef? CoreOf(ModelGraph model, Tile tile) =>
        mapping?.CoreOf(model, tile) is { } chiplet ? new CoreRef(chiplet, 0) : null;

    private ImmutableArray<CoreRef> AllowedCores(ModelInstance model, Operator op) =>
        [.. mapping!.AllowedCores(op).Select(chiplet => new CoreRef(chiplet, 0))];

    private static void Emit(TaskGraphBuilder builder, ModelInstance model, TiledWorkload tiled, CoreRef[] cores,
        Dictionary<string, string> devices)
    {
        var preds = tiled.Predecessors();
        var succs = tiled.Successors();
        var weights = tiled.ParameterReads.ToLookup(r => r.Tile);
        var inputs = tiled.ModelInputReads.ToLookup(r => r.Tile);
        var outputs = tiled.ModelOutputWrites.ToLookup(r => r.Tile);
        var taskOf = new int[tiled.Tiles.Length];
        // A tile's DRAM data is fetched once the core's tile before the previous one (in depth-first order) has run
        // — one tile of prefetch, so the fetch overlaps the previous tile's compute: input reads, and so layer-one
        // tiles, always ready, would otherwise race ahead and fill the on-chip memory with rows nobody consumes yet.
        // Compute tiles are not chained (a chain would hold each output one tile longer); priorities order a core's
        // ready tiles.
        var lastOnCore = new Dictionary<CoreRef, (int Last, int BeforeLast)>();
        // A weight slice (tensor box) already on a core is not read again: its read task stays a dependency.
        var loaded = new Dictionary<(CoreRef Core, string Box), int>();
        var depth = model.Graph.Operators.Select((op, i) => (op.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);

        foreach (int id in DepthFirst(tiled, preds, succs, depth))
        {
            var tile = tiled.Tiles[id];
            var core = cores[id];
            string name = $"{tile.Operator}[{tile.Index}]";
            string device = devices[core.Chiplet];
            var (last, previous) = lastOnCore.GetValueOrDefault(core, (-1, -1));
            var deps = new List<int>();
            foreach (var w in weights[id])
            {
                string box = tile.Reads.First(r => r.Tensor == w.Tensor).ToString();
                if (!loaded.TryGetValue((core, box), out int read))
                    loaded[(core, box)] = read = builder.DramRead($"{name} {w.Tensor}", model.Label, device, core, w.Bytes, [previous]);
                deps.Add(read);
            }
            foreach (var input in inputs[id])
                deps.Add(builder.DramRead($"{name} {input.Tensor}", model.Label, device, core, input.Bytes, [previous]));
            foreach (var d in preds[id])
                deps.Add(cores[d.From] == core ? taskOf[d.From]
                    : builder.Transfer($"{tiled.Tiles[d.From].Operator}[{tiled.Tiles[d.From].Index}]→{name}", model.Label,
                        cores[d.From], core, d.Bytes, [taskOf[d.From]]));
            long inBytes = tile.Reads.Sum(r => r.Bytes), outBytes = tile.Writes.Sum(w => w.Bytes);
            var vector = tile.Kind == TileKind.Compute ? null : new VectorWork(tile.VectorOperations, inBytes, outBytes);
            taskOf[id] = builder.Compute(name, model.Label, core, tile.Operator, tile.Nest, vector, deps,
                output: new TensorRef(name, outBytes));
            lastOnCore[core] = (taskOf[id], last);
            foreach (var o in outputs[id])
                builder.DramWrite($"{name} {o.Tensor}", model.Label, device, core, o.Bytes, [taskOf[id]]);
        }
    }

    /// <summary>
    /// A topological order of the tiles that, of the ready tiles, takes the deepest operator's first (ties: the
    /// lower tile id): a consumer row runs as soon as its producer rows exist, so little stays live on chip.
    /// </summary>
    internal static IEnumerable<int> DepthFirst(TiledWorkload tiled, ImmutableArray<ImmutableArray<TileDependency>> preds,
        ImmutableArray<ImmutableArray<TileDependency>> succs, Dictionary<string, int> depth)
    {
        var waiting = preds.Select(p => p.Length).ToArray();
        var ready = new PriorityQueue<int, (int, int)>();
        foreach (var tile in tiled.Tiles)
            if (waiting[tile.Id] == 0) ready.Enqueue(tile.Id, (-depth[tile.Operator], tile.Id));
        while (ready.TryDequeue(out int id, out _))
        {
            yield return id;
            foreach (var s in succs[id])
                if (--waiting[s.To] == 0) ready.Enqueue(s.To, (-depth[tiled.Tiles[s.To].Operator], s.To));
        }
    }
}
