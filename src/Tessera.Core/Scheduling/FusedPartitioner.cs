using System.Collections.Immutable;
using Tessera.Costs;
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
/// What a tile needs stays in on-chip memory for its later users, as layer-fused hardware keeps it: a producer tile's
/// output crosses once to each other memory that consumes it (the overlap rows a 3×3 consumer shares with its
/// neighbour are not sent again; cores sharing a memory exchange nothing), weight slices are read from DRAM once per
/// weight memory, a model-input tile reads only what its predecessor's box lacks, and model outputs are written back
/// per tile. Data is freed at its last user; when memory is short the simulator evicts by fewest future uses × bytes.
/// Tasks are emitted depth first — of the ready tiles, the deepest layer's goes next — so a fused stack streams row
/// by row (Stream's "memory" priority); priorities are the emission order.
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
        var memories = new TileMemories(package);
        var builder = new TaskGraphBuilder(PartitionMode.Fused, models);
        for (int m = 0; m < models.Count; m++)
        {
            var model = models[m];
            var tiled = mapping?.Tile(model.Graph) ?? WorkloadTiler.Tile(model.Graph, Tiling);
            var cores = tiled.Tiles.Select(t => CoreOf(model.Graph, t) ?? layerCores[(m, t.Operator)]).ToArray();
            Emit(builder, model, tiled, cores, memories, Stacks(tiled, cores, memories));
        }
        return builder.Build(evictsByFutureUse: true);
    }

    /// <summary>The core a Stream mapping fixes for a tile (Stream cores are one-core chiplets), or null.</summary>
    private CoreRef? CoreOf(ModelGraph model, Tile tile) =>
        mapping?.CoreOf(model, tile) is { } chiplet ? new CoreRef(chiplet, 0) : null;

    private ImmutableArray<CoreRef> AllowedCores(ModelInstance model, Operator op) =>
        [.. mapping!.AllowedCores(op).Select(chiplet => new CoreRef(chiplet, 0))];

    /// <summary>Which memory instance data of a role lands in on a core (shared by cores that share memory), and its DRAM device.</summary>
    private sealed class TileMemories(Package package)
    {
        private readonly Dictionary<CoreRef, Core> _cores = CoreRef.All(package).ToDictionary(c => c.Ref, c => c.Core);
        private readonly Dictionary<string, string> _devices = package.Chiplets.ToDictionary(c => c.Id,
            c => MemoryPath.Nearest(package, c.Id).Device.Id, StringComparer.Ordinal);

        private readonly Dictionary<(CoreRef, OperandRole), (string, long)> _memories = [];

        public string Of(CoreRef core, OperandRole role) => Memory(core, role).Key;

        /// <summary>A key naming the instance (equal for cores that share it) and its capacity.</summary>
        public (string Key, long CapacityBytes) Memory(CoreRef core, OperandRole role)
        {
            if (_memories.TryGetValue((core, role), out var known)) return known;
            var memory = OnChipMemories.Of(package, core, _cores[core], role);
            return _memories[(core, role)] = ($"{memory.Owner}#{memory.Roles}", memory.CapacityBytes);
        }

        public string Device(CoreRef core) => _devices[core.Chiplet];
    }

    /// <summary>
    /// The fused stack of each operator: consecutive operators whose weight slices fit the weight memories of the
    /// cores they run on (Stream's stack rule, which sums the weights against all cores' weight memories, applied to
    /// the memories the placement actually uses): a stack ends before the operator whose weights would overflow one.
    /// Stacks run one after another; within a stack, tiles stream depth first.
    /// </summary>
    private static Dictionary<string, int> Stacks(TiledWorkload tiled, CoreRef[] cores, TileMemories memories)
    {
        var need = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        var capacity = new Dictionary<string, long>(StringComparer.Ordinal);
        var seen = new HashSet<(string, string)>();
        foreach (var w in tiled.ParameterReads)
        {
            var tile = tiled.Tiles[w.Tile];
            var (memory, bytes) = memories.Memory(cores[w.Tile], OperandRole.Weight);
            capacity[memory] = bytes;
            if (!seen.Add((memory, tile.Reads.First(r => r.Tensor == w.Tensor).ToString()))) continue;
            var perMemory = need.TryGetValue(tile.Operator, out var m) ? m : need[tile.Operator] = new(StringComparer.Ordinal);
            perMemory[memory] = perMemory.GetValueOrDefault(memory) + w.Bytes;
        }
        var stacks = new Dictionary<string, int>(StringComparer.Ordinal);
        var held = new Dictionary<string, long>(StringComparer.Ordinal);
        int stack = 0;
        foreach (var op in tiled.Model.Operators)
        {
            var weights = need.GetValueOrDefault(op.Name) ?? [];
            if (weights.Any(w => held.GetValueOrDefault(w.Key) > 0 && held[w.Key] + w.Value > capacity[w.Key]))
                (stack, held) = (stack + 1, new(StringComparer.Ordinal));
            foreach (var (memory, bytes) in weights) held[memory] = held.GetValueOrDefault(memory) + bytes;
            stacks[op.Name] = stack;
        }
        return stacks;
    }

    private static void Emit(TaskGraphBuilder builder, ModelInstance model, TiledWorkload tiled, CoreRef[] cores, TileMemories memories,
        Dictionary<string, int> stacks)
    {
        var preds = tiled.Predecessors();
        var succs = tiled.Successors();
        var weights = tiled.ParameterReads.ToLookup(r => r.Tile);
        var inputs = tiled.ModelInputReads.ToLookup(r => r.Tile);
        var outputs = tiled.ModelOutputWrites.ToLookup(r => r.Tile);
        var taskOf = new int[tiled.Tiles.Length];
        var moves = HaloMoves(tiled, cores, memories);
        // A tile's DRAM data is fetched once the core's tile before the previous one (in depth-first order) has run
        // — one tile of prefetch, so the fetch overlaps the previous tile's compute: input reads, and so layer-one
        // tiles, always ready, would otherwise race ahead and fill the on-chip memory with rows nobody consumes yet.
        // Compute tiles are not chained (a chain would hold each output one tile longer); priorities order a core's
        // ready tiles.
        var lastOnCore = new Dictionary<CoreRef, (int Last, int BeforeLast)>();
        // A weight slice (tensor box) already in a core's weight memory is not read again: its read task stays a dependency.
        var loaded = new Dictionary<(string Memory, string Box), int>();
        // Model-input boxes read into each input memory: a tile reads only what its predecessor's box lacks.
        var inputsHeld = new Dictionary<(string Memory, string Tensor), List<(TensorBox Box, TensorBox Read, int Task)>>();
        var sent = new Dictionary<(int From, string Memory, string Tensor), int>();
        var depth = model.Graph.Operators.Select((op, i) => (op.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);

        foreach (int id in DepthFirst(tiled, preds, succs, depth, stacks))
        {
            var tile = tiled.Tiles[id];
            var core = cores[id];
            string name = $"{tile.Operator}[{tile.Index}]";
            string device = memories.Device(core), inputMemory = memories.Of(core, OperandRole.Input);
            var (last, previous) = lastOnCore.GetValueOrDefault(core, (-1, -1));
            var deps = new List<int>();
            foreach (var w in weights[id])
            {
                var key = (memories.Of(core, OperandRole.Weight), tile.Reads.First(r => r.Tensor == w.Tensor).ToString());
                if (!loaded.TryGetValue(key, out int read))
                    loaded[key] = read = builder.DramRead($"{name} {w.Tensor}", model.Label, device, core, w.Bytes, [previous],
                        role: OperandRole.Weight);
                deps.Add(read);
            }
            foreach (var input in inputs[id])
            {
                var box = tile.Reads.First(r => r.Tensor == input.Tensor);
                if (!inputsHeld.TryGetValue((inputMemory, input.Tensor), out var held)) inputsHeld[(inputMemory, input.Tensor)] = held = [];
                var fresh = held.Count > 0 ? box.Beyond(held[^1].Box) : null;
                if (fresh is not null)
                    deps.AddRange(held.Where(h => !h.Read.IsEmpty && h.Read.OverlapElements(box) > 0).Select(h => h.Task));
                var read = fresh ?? box;
                int task = read.IsEmpty ? -1
                    : builder.DramRead($"{name} {input.Tensor}", model.Label, device, core, read.Bytes, [previous], role: OperandRole.Input);
                held.Add((box, read, task));
                deps.Add(task);
            }
            foreach (var d in preds[id])
            {
                if (memories.Of(cores[d.From], OperandRole.Output) == inputMemory)
                {
                    deps.Add(taskOf[d.From]); // same memory: the producer's output is already there
                    continue;
                }
                var key = (d.From, inputMemory, d.Tensor);
                if (!sent.TryGetValue(key, out int moved))
                    sent[key] = moved = builder.Transfer($"{tiled.Tiles[d.From].Operator}[{tiled.Tiles[d.From].Index}]→{name}",
                        model.Label, cores[d.From], core, moves[key], [taskOf[d.From]], role: OperandRole.Input);
                deps.Add(moved);
            }
            long inBytes = tile.Reads.Sum(r => r.Bytes), outBytes = tile.Writes.Sum(w => w.Bytes);
            var vector = tile.Kind == TileKind.Compute ? null : new VectorWork(tile.VectorOperations, inBytes, outBytes);
            taskOf[id] = builder.Compute(name, model.Label, core, tile.Operator, tile.Nest, vector, deps,
                output: new TensorRef(name, outBytes, OperandRole.Output));
            lastOnCore[core] = (taskOf[id], last);
            foreach (var o in outputs[id])
                builder.DramWrite($"{name} {o.Tensor}", model.Label, device, core, o.Bytes, [taskOf[id]]);
        }
    }

    /// <summary>
    /// Bytes each producer tile sends to each other memory that consumes it: the span of what its consumers there read
    /// of its output. A row needed by three consumer rows on one core crosses once and stays there for all three.
    /// </summary>
    private static Dictionary<(int From, string Memory, string Tensor), long> HaloMoves(TiledWorkload tiled, CoreRef[] cores, TileMemories memories)
    {
        var spans = new Dictionary<(int, string, string), TensorBox>();
        foreach (var d in tiled.Dependencies)
        {
            string target = memories.Of(cores[d.To], OperandRole.Input);
            if (memories.Of(cores[d.From], OperandRole.Output) == target) continue;
            var written = tiled.Tiles[d.From].Writes.First(w => w.Tensor == d.Tensor);
            var needed = written.Intersect(tiled.Tiles[d.To].Reads.First(r => r.Tensor == d.Tensor));
            var key = (d.From, target, d.Tensor);
            spans[key] = spans.TryGetValue(key, out var span) ? span.Span(needed) : needed;
        }
        return spans.ToDictionary(p => p.Key, p => p.Value.Bytes);
    }

    /// <summary>
    /// A topological order of the tiles that, of the ready tiles, takes the earliest stack's first and within it the
    /// deepest operator's (ties: the lower tile id): a consumer row runs as soon as its producer rows exist, so little
    /// stays live on chip, and a stack finishes before the next one starts.
    /// </summary>
    internal static IEnumerable<int> DepthFirst(TiledWorkload tiled, ImmutableArray<ImmutableArray<TileDependency>> preds,
        ImmutableArray<ImmutableArray<TileDependency>> succs, Dictionary<string, int> depth, Dictionary<string, int> stacks)
    {
        var waiting = preds.Select(p => p.Length).ToArray();
        var ready = new PriorityQueue<int, (int, int, int)>();
        (int, int, int) Order(Tile tile) => (stacks[tile.Operator], -depth[tile.Operator], tile.Id);
        foreach (var tile in tiled.Tiles)
            if (waiting[tile.Id] == 0) ready.Enqueue(tile.Id, Order(tile));
        while (ready.TryDequeue(out int id, out _))
        {
            yield return id;
            foreach (var s in succs[id])
                if (--waiting[s.To] == 0) ready.Enqueue(s.To, Order(tiled.Tiles[s.To]));
        }
    }
}
